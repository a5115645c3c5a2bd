// name: shared-directors
// description: Pairs of companies directed by the same person or company (supernodes such as registered agents left out; either id of a merged company; ids canonical, records of one merged company not paired)
// category: ownership
// param: company_id list = ""
// param: limit int = 200
// expand: company_id
// canonical: company_a, company_b, director_id
// stores: falkordb, neo4j
MATCH (a:Company)<-[ra:DIRECTS]-(d)-[rb:DIRECTS]->(b:Company)
WHERE a.id < b.id AND (size($company_id) = 0 OR a.id IN $company_id OR b.id IN $company_id)
  AND NOT coalesce(d.supernode, false)
  AND (a.merged_into IS NULL OR b.merged_into IS NULL OR a.merged_into <> b.merged_into)
RETURN a.id AS company_a, a.name AS name_a, b.id AS company_b, b.name AS name_b, d.id AS director_id,
       d.name AS director, ra.role AS role_a, rb.role AS role_b, ra.record_ids AS records_a,
       rb.record_ids AS records_b
ORDER BY company_a, company_b, director_id
LIMIT $limit
