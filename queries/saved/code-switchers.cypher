// name: code-switchers
// description: Companies that receive goods under one HS6 code and ship a different HS6 of the same HS4 heading on (per code first and last dates on SUPPLIES edges; the rows behind a pair: conveyor shipments --seller A --buyer B)
// category: relabeling
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (a:Company)-[r1:SUPPLIES]->(m:Company)-[r2:SUPPLIES]->(b:Company)
WHERE a <> b
UNWIND range(0, size(r1.hs_codes) - 1) AS i
UNWIND range(0, size(r2.hs_codes) - 1) AS j
WITH m, a, b, substring(r1.hs_codes[i], 0, 6) AS received_hs6, r1.hs_first[i] AS received,
     substring(r2.hs_codes[j], 0, 6) AS shipped_hs6, r2.hs_last[j] AS shipped
// Shipped on: some shipment under the new code came on or after the first receipt under the old one.
WHERE shipped >= received AND received_hs6 <> shipped_hs6
  AND substring(received_hs6, 0, 4) = substring(shipped_hs6, 0, 4)
RETURN m.id AS company_id, m.name AS company, m.country AS country, received_hs6, shipped_hs6,
       count(DISTINCT a) AS suppliers, count(DISTINCT b) AS buyers, min(received) AS first_received,
       max(shipped) AS last_shipped
ORDER BY company, received_hs6, shipped_hs6
LIMIT $limit
