// name: colony-ownership-neighbourhood
// description: Owners, directors and related companies within 2 ownership/control hops of a colony's operating enterprise
// category: ownership
// param: colony_id string = ""
// param: limit int = 500
// canonical: operator_id, entity_id
// stores: falkordb, neo4j
MATCH (col:Colony)-[:OPERATES]->(op:Company)
WHERE $colony_id = '' OR col.id = $colony_id
MATCH p = (op)-[:OWNS|DIRECTS*1..2]-(x)
WHERE (x:Company OR x:Person) AND none(n IN nodes(p) WHERE coalesce(n.supernode, false))
  AND none(r IN relationships(p) WHERE coalesce(r.status, '') = 'closed')
WITH col, op, x, min(length(p)) AS hops
RETURN col.id AS colony, op.id AS operator_id, op.name AS operator, x.id AS entity_id, x.name AS entity,
       labels(x) AS labels, hops
ORDER BY colony, hops, entity_id
LIMIT $limit
