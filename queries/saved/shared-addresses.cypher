// name: shared-addresses
// description: Pairs of companies registered at the same address (mass-registration addresses flagged as supernodes left out)
// category: ownership
// param: company_id string = ""
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (a:Company)-[ra:REGISTERED_AT]->(ad:Address)<-[rb:REGISTERED_AT]-(b:Company)
WHERE a.id < b.id AND ($company_id = '' OR a.id = $company_id OR b.id = $company_id)
  AND NOT coalesce(ad.supernode, false)
RETURN a.id AS company_a, a.name AS name_a, b.id AS company_b, b.name AS name_b, ad.id AS address_id,
       ad.full AS address, ra.record_ids AS records_a, rb.record_ids AS records_b
ORDER BY company_a, company_b, address_id
LIMIT $limit
