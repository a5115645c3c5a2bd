// name: origin-switchers
// description: Companies that receive goods of a declared origin and ship the same HS4 heading with another or no declared origin
// category: relabeling
// param: origin string = "BY"
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (a:Company)-[:SHIPPED]->(s1:Shipment)-[:CONSIGNED_TO]->(m:Company)-[:SHIPPED]->(s2:Shipment)
WHERE s1.origin_country = $origin AND substring(s1.hs6, 0, 4) = substring(s2.hs6, 0, 4)
  AND s2.date >= s1.date AND (s2.origin_country IS NULL OR s2.origin_country <> $origin)
RETURN m.id AS company_id, m.name AS company, m.country AS country, a.name AS received_from,
       s1.date AS received, s1.hs_code AS received_code, s1.origin_country AS received_origin,
       s2.date AS shipped, s2.hs_code AS shipped_code, coalesce(s2.origin_country, '(none declared)') AS declared_origin,
       s2.source_file + ':' + toString(s2.source_row) AS evidence
ORDER BY company, shipped
LIMIT $limit
