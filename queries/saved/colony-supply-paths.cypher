// name: colony-supply-paths
// description: Supply chains (derived SUPPLIES edges) from colony producers to companies abroad, up to 4 hops, not checked for time order or goods (conveyor routes checks both, up to 6 hops)
// category: routes
// param: colony_id string = ""
// param: country string = ""
// param: limit int = 100
// stores: falkordb, neo4j
MATCH (c:Colony)-[:OPERATES]->(p:Company)
WHERE $colony_id = '' OR c.id = $colony_id
MATCH path = (p)-[:SUPPLIES*1..4]->(b:Company)
WHERE b.country <> c.country AND ($country = '' OR b.country = $country)
RETURN c.id AS colony, [n IN nodes(path) | n.name] AS companies,
       [n IN nodes(path) | n.country] AS countries,
       [r IN relationships(path) | r.hs_codes] AS hs_codes, length(path) AS hops
ORDER BY hops, colony
LIMIT $limit
