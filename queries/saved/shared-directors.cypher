// name: shared-directors
// description: Pairs of companies directed by the same person or company (supernodes such as registered agents left out)
// category: ownership
// param: company_id string = ""
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (a:Company)<-[ra:DIRECTS]-(d)-[rb:DIRECTS]->(b:Company)
WHERE a.id < b.id AND ($company_id = '' OR a.id = $company_id OR b.id = $company_id)
  AND NOT coalesce(d.supernode, false)
RETURN a.id AS company_a, a.name AS name_a, b.id AS company_b, b.name AS name_b, d.id AS director_id,
       d.name AS director, ra.role AS role_a, rb.role AS role_b, ra.record_ids AS records_a,
       rb.record_ids AS records_b
ORDER BY company_a, company_b, director_id
LIMIT $limit
