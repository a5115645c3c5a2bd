// name: code-switchers
// description: Companies that receive one HS6 code and later ship a different HS6 of the same HS4 heading
// category: relabeling
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (:Company)-[:SHIPPED]->(s1:Shipment)-[:CONSIGNED_TO]->(m:Company)-[:SHIPPED]->(s2:Shipment)
WHERE s1.hs6 <> s2.hs6 AND substring(s1.hs6, 0, 4) = substring(s2.hs6, 0, 4) AND s2.date >= s1.date
RETURN m.id AS company_id, m.name AS company, m.country AS country, s1.hs6 AS received_hs6,
       s2.hs6 AS shipped_hs6, count(DISTINCT s1) AS received_shipments, count(DISTINCT s2) AS shipped_shipments,
       min(s1.date) AS first_received, max(s2.date) AS last_shipped
ORDER BY company, received_hs6, shipped_hs6
LIMIT $limit
