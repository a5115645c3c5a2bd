// name: colony-products-in-trade
// description: Trade pairs (SUPPLIES) with shipments declared under any code a colony is documented making (its HS groups and subheadings): a code match, not proof the goods came from that colony
// category: colonies
// param: colony_id string = ""
// param: limit int = 500
// stores: falkordb, neo4j
MATCH (c:Colony)-[:MAKES]->(p:Product)
WHERE $colony_id = '' OR c.id = $colony_id
MATCH (a:Company)-[r:SUPPLIES]->(b:Company)
// Synthetic trade is never matched to a real colony (nor real trade to a synthetic one): a code match
// between invented shipments and a real facility would read as a finding about it.
WHERE any(code IN r.hs_codes WHERE code STARTS WITH p.hs_code)
  AND coalesce(c.synthetic, false) = coalesce(a.synthetic, false)
RETURN c.id AS colony, coalesce(c.synthetic, false) AS synthetic, p.hs_code AS colony_code,
       [code IN r.hs_codes WHERE code STARTS WITH p.hs_code] AS hs_codes, r.first AS first, r.last AS last,
       r.shipments AS shipments, a.id AS exporter_id, a.name AS exporter, a.country AS from_country,
       b.id AS importer_id, b.name AS importer, b.country AS to_country, r.origins AS origins, r.value AS value
ORDER BY colony, first
LIMIT $limit
