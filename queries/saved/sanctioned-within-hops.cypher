// name: sanctioned-within-hops
// description: Companies within 3 ownership/control hops (OWNS, DIRECTS, either direction) of a sanctioned entity; supernodes and closed links left out
// category: ownership
// param: as_of string = ""
// param: limit int = 500
// stores: falkordb, neo4j
MATCH (e)-[:SANCTIONED]->(s:Sanction)
WHERE e:Company OR e:Person
MATCH p = (e)-[:OWNS|DIRECTS*1..3]-(c:Company)
WHERE none(n IN nodes(p) WHERE coalesce(n.supernode, false))
  AND none(r IN relationships(p) WHERE coalesce(r.status, '') = 'closed'
                                       OR ($as_of <> '' AND coalesce(r.end, '9999') < $as_of))
WITH c, e, s, min(length(p)) AS hops
RETURN c.id AS company_id, c.name AS company, c.country AS country, hops, e.id AS sanctioned_id,
       e.name AS sanctioned, s.program AS program
ORDER BY hops, company_id, sanctioned_id
LIMIT $limit
