// name: re-exporters-within-days
// description: Companies whose first onward sale of a code of an HS4 heading came within $days days of first receiving a code of it (first dates per code on SUPPLIES edges; day numbers computed from the ISO date strings; rows: conveyor shipments --seller A --buyer B)
// category: relabeling
// param: code string = ""
// param: days int = 90
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (a:Company)-[r1:SUPPLIES]->(m:Company)-[r2:SUPPLIES]->(b:Company)
WHERE a <> b
UNWIND range(0, size(r1.hs_codes) - 1) AS i
UNWIND range(0, size(r2.hs_codes) - 1) AS j
WITH a, m, b, r1.hs_codes[i] AS code_in, r1.hs_first[i] AS received, r2.hs_codes[j] AS code_out,
     r2.hs_first[j] AS shipped
WHERE shipped >= received AND substring(code_in, 0, 4) = substring(code_out, 0, 4)
  AND ($code = '' OR code_in STARTS WITH $code)
WITH a, m, b, code_in, received, code_out, shipped,
     [x IN [received, shipped] | [toInteger(substring(x, 0, 4)), toInteger(substring(x, 5, 2)),
                                  toInteger(substring(x, 8, 2))]] AS ymd
// Days from the civil calendar (H. Hinnant's days_from_civil), in integer arithmetic both stores share.
WITH a, m, b, code_in, received, code_out, shipped,
     [p IN ymd | [p[0] - CASE WHEN p[1] <= 2 THEN 1 ELSE 0 END, p[1], p[2]]] AS ymd
WITH a, m, b, code_in, received, code_out, shipped,
     [p IN ymd | (p[0] / 400) * 146097 + (p[0] % 400) * 365 + (p[0] % 400) / 4 - (p[0] % 400) / 100
                 + (153 * (p[1] + CASE WHEN p[1] > 2 THEN -3 ELSE 9 END) + 2) / 5 + p[2] - 1] AS dn
WITH a, m, b, code_in, received, code_out, shipped, dn[1] - dn[0] AS days_between
WHERE days_between <= $days
RETURN m.id AS company_id, m.name AS company, m.country AS country, a.name AS received_from,
       received AS first_received, code_in AS received_code, b.name AS shipped_to, b.country AS to_country,
       shipped AS first_shipped, code_out AS shipped_code, days_between,
       a.id + ' -> ' + m.id AS evidence_in, m.id + ' -> ' + b.id AS evidence_out
ORDER BY days_between, company
LIMIT $limit
