// name: ownership-path
// description: Shortest directed ownership/control chain from an owner or director down to an entity (either id of a merged entity; ids canonical), with each hop's sources and records; it does not cross merges inside the chain (conveyor owners path does, undirected)
// category: ownership
// param: from_id list
// param: to_id list
// expand: from_id, to_id
// canonical: ids
// stores: falkordb
MATCH (b:Company)
WHERE b.id IN $to_id
OPTIONAL MATCH (ac:Company)
WHERE ac.id IN $from_id
OPTIONAL MATCH (ap:Person)
WHERE ap.id IN $from_id
WITH b, coalesce(ac, ap) AS a
WHERE a IS NOT NULL
WITH a, b, shortestPath((a)-[:OWNS|DIRECTS|CONSOLIDATED_BY|ASSOCIATE*1..10]->(b)) AS p
WHERE p IS NOT NULL
RETURN [n IN nodes(p) | n.id] AS ids, [n IN nodes(p) | n.name] AS names,
       [r IN relationships(p) | type(r)] AS types, [r IN relationships(p) | r.sources] AS sources,
       [r IN relationships(p) | r.record_ids] AS record_ids, length(p) AS hops
ORDER BY hops
LIMIT 1
