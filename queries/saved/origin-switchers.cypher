// name: origin-switchers
// description: Companies that receive goods declared of one origin and sell the same HS4 heading on with another or no declared origin (trade-pair level: SUPPLIES edges; rows: conveyor shipments --seller A --buyer B)
// category: relabeling
// param: origin string = "BY"
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (a:Company)-[r1:SUPPLIES]->(m:Company)-[r2:SUPPLIES]->(b:Company)
WHERE $origin IN r1.origins AND r2.last >= r1.first
  AND (size(r2.origins) = 0 OR any(o IN r2.origins WHERE o <> $origin))
  AND any(c1 IN r1.hs_codes WHERE any(c2 IN r2.hs_codes WHERE substring(c1, 0, 4) = substring(c2, 0, 4)))
UNWIND CASE WHEN size(r2.origins) = 0 THEN ['(none declared)'] ELSE [o IN r2.origins WHERE o <> $origin] END
       AS declared_origin
RETURN m.id AS company_id, m.name AS company, m.country AS country, a.id AS received_from_id,
       a.name AS received_from, r1.first AS first_received, r1.hs_codes AS received_codes,
       r1.origins AS received_origins, b.id AS sold_to_id, b.name AS sold_to, r2.first AS first_sold,
       r2.hs_codes AS sold_codes, declared_origin
ORDER BY company, first_sold
LIMIT $limit
