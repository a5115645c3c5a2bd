// name: re-exporters-within-days
// description: Companies that receive goods and ship a code of the same HS4 heading on within $days days (day numbers computed from the ISO date strings)
// category: relabeling
// param: code string = ""
// param: days int = 90
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (a:Company)-[:SHIPPED]->(s1:Shipment)-[:CONSIGNED_TO]->(m:Company)-[:SHIPPED]->(s2:Shipment)-[:CONSIGNED_TO]->(b:Company)
WHERE s1.hs6 IS NOT NULL AND s2.hs6 IS NOT NULL AND substring(s1.hs6, 0, 4) = substring(s2.hs6, 0, 4)
  AND s2.date >= s1.date AND ($code = '' OR s1.hs_code STARTS WITH $code)
WITH a, m, b, s1, s2,
     [x IN [s1.date, s2.date] | [toInteger(substring(x, 0, 4)), toInteger(substring(x, 5, 2)),
                                 toInteger(substring(x, 8, 2))]] AS ymd
// Days from the civil calendar (H. Hinnant's days_from_civil), in integer arithmetic both stores share.
WITH a, m, b, s1, s2, [p IN ymd | [p[0] - CASE WHEN p[1] <= 2 THEN 1 ELSE 0 END, p[1], p[2]]] AS ymd
WITH a, m, b, s1, s2,
     [p IN ymd | (p[0] / 400) * 146097 + (p[0] % 400) * 365 + (p[0] % 400) / 4 - (p[0] % 400) / 100
                 + (153 * (p[1] + CASE WHEN p[1] > 2 THEN -3 ELSE 9 END) + 2) / 5 + p[2] - 1] AS dn
WITH a, m, b, s1, s2, dn[1] - dn[0] AS days_between
WHERE days_between <= $days
RETURN m.id AS company_id, m.name AS company, m.country AS country, a.name AS received_from,
       s1.date AS received, s1.hs_code AS received_code, b.name AS shipped_to, b.country AS to_country,
       s2.date AS shipped, s2.hs_code AS shipped_code, days_between,
       s1.source_file + ':' + toString(s1.source_row) AS evidence_in,
       s2.source_file + ':' + toString(s2.source_row) AS evidence_out
ORDER BY days_between, company
LIMIT $limit
