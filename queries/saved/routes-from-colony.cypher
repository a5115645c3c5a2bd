// name: routes-from-colony
// description: Shipment paths (up to 4 hops) from a colony's producer to companies abroad, with the rows behind each hop; not time-ordered (conveyor routes checks dates)
// category: routes
// param: colony_id string = ""
// param: limit int = 100
// stores: falkordb, neo4j
MATCH (c:Colony)-[:OPERATES]->(p:Company)
WHERE $colony_id = '' OR c.id = $colony_id
MATCH path = (p)-[:SHIPPED|CONSIGNED_TO*2..8]->(b:Company)
WHERE b.country <> c.country
RETURN c.id AS colony, [n IN nodes(path) WHERE n:Company | n.name] AS companies,
       [n IN nodes(path) WHERE n:Company | n.country] AS countries,
       [n IN nodes(path) WHERE n:Shipment | n.date] AS dates,
       [n IN nodes(path) WHERE n:Shipment | n.hs_code] AS hs_codes,
       [n IN nodes(path) WHERE n:Shipment | n.source_file + ':' + toString(n.source_row)] AS evidence,
       length(path) / 2 AS hops
ORDER BY hops, colony
LIMIT $limit
