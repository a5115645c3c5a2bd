// name: ownership-path
// description: Shortest directed ownership/control chain from an owner or director down to an entity, with each hop's sources and records (undirected: conveyor owners path)
// category: ownership
// param: from_id string
// param: to_id string
// stores: falkordb
MATCH (b:Company {id: $to_id})
OPTIONAL MATCH (ac:Company {id: $from_id})
OPTIONAL MATCH (ap:Person {id: $from_id})
WITH b, coalesce(ac, ap) AS a
WHERE a IS NOT NULL
WITH a, b, shortestPath((a)-[:OWNS|DIRECTS|CONSOLIDATED_BY|ASSOCIATE*1..10]->(b)) AS p
WHERE p IS NOT NULL
RETURN [n IN nodes(p) | n.id] AS ids, [n IN nodes(p) | n.name] AS names,
       [r IN relationships(p) | type(r)] AS types, [r IN relationships(p) | r.sources] AS sources,
       [r IN relationships(p) | r.record_ids] AS record_ids, length(p) AS hops
