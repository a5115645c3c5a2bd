// name: colony-products-in-trade
// description: Shipments declared under any code a colony is documented making (its HS groups and subheadings): a code match, not proof the goods came from that colony
// category: colonies
// param: colony_id string = ""
// param: limit int = 500
// stores: falkordb, neo4j
MATCH (c:Colony)-[:MAKES]->(p:Product)
WHERE $colony_id = '' OR c.id = $colony_id
MATCH (a:Company)-[:SHIPPED]->(s:Shipment)-[:CONSIGNED_TO]->(b:Company)
// Synthetic trade is never matched to a real colony (nor real trade to a synthetic one): a code match
// between invented shipments and a real facility would read as a finding about it.
WHERE s.hs6 STARTS WITH p.hs_code AND coalesce(c.synthetic, false) = coalesce(s.synthetic, false)
RETURN c.id AS colony, coalesce(c.synthetic, false) AS synthetic, p.hs_code AS colony_code,
       s.hs_code AS hs_code, s.date AS date, a.name AS exporter,
       a.country AS from_country, b.name AS importer, b.country AS to_country, s.origin_country AS origin,
       s.value AS value, s.currency AS currency, s.source_file + ':' + toString(s.source_row) AS evidence
ORDER BY colony, date
LIMIT $limit
