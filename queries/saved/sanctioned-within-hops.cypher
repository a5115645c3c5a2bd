// name: sanctioned-within-hops
// description: Companies within 3 ownership/control hops (OWNS, DIRECTS, either direction) of a sanctioned entity; supernodes, closed links and (with as_of) links and designations not in force that day left out; ids canonical, but the walk does not cross merges (conveyor owners near-sanctioned does)
// category: ownership
// param: as_of string = ""
// param: limit int = 500
// canonical: company_id, sanctioned_id
// stores: falkordb, neo4j
MATCH (e)-[:SANCTIONED]->(s:Sanction)
WHERE (e:Company OR e:Person)
  AND ($as_of = '' OR (coalesce(s.end_date, '9999') >= $as_of AND coalesce(s.listed, '0000') <= $as_of))
MATCH p = (e)-[:OWNS|DIRECTS*1..3]-(c:Company)
WHERE none(n IN nodes(p) WHERE coalesce(n.supernode, false))
  AND none(r IN relationships(p) WHERE coalesce(r.status, '') = 'closed'
                                       OR ($as_of <> '' AND (coalesce(r.end, '9999') < $as_of
                                                             OR coalesce(r.start, '0000') > $as_of)))
WITH c, e, s, min(length(p)) AS hops
RETURN c.id AS company_id, c.name AS company, c.country AS country, hops, e.id AS sanctioned_id,
       e.name AS sanctioned, s.program AS program
ORDER BY hops, company_id, sanctioned_id
LIMIT $limit
