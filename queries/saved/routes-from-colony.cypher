// name: routes-from-colony
// description: Supply paths (up to 4 hops of SUPPLIES) from a colony's producer to companies abroad, with each hop's codes, dates and shipment count; not time-ordered (conveyor routes checks dates row by row)
// category: routes
// param: colony_id string = ""
// param: limit int = 100
// canonical: company_ids
// stores: falkordb, neo4j
MATCH (c:Colony)-[:OPERATES]->(p:Company)
WHERE $colony_id = '' OR c.id = $colony_id
MATCH path = (p)-[:SUPPLIES*1..4]->(b:Company)
WHERE b.country <> c.country
RETURN c.id AS colony, [n IN nodes(path) | n.name] AS companies,
       [n IN nodes(path) | n.country] AS countries,
       [r IN relationships(path) | r.first] AS first_dates,
       [r IN relationships(path) | r.hs_codes] AS hs_codes,
       [r IN relationships(path) | r.shipments] AS shipments,
       [n IN nodes(path) | n.id] AS company_ids,
       length(path) AS hops
ORDER BY hops, colony
LIMIT $limit
