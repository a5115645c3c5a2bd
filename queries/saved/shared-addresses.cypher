// name: shared-addresses
// description: Pairs of companies registered at the same address (mass-registration addresses flagged as supernodes left out; either id of a merged company; companies by canonical id, records of one merged company not paired)
// category: ownership
// param: company_id list = ""
// param: limit int = 200
// expand: company_id
// canonical: company_a, company_b
// stores: falkordb, neo4j
MATCH (a:Company)-[ra:REGISTERED_AT]->(ad:Address)<-[rb:REGISTERED_AT]-(b:Company)
WHERE a.id < b.id AND (size($company_id) = 0 OR a.id IN $company_id OR b.id IN $company_id)
  AND NOT coalesce(ad.supernode, false)
  AND (a.merged_into IS NULL OR b.merged_into IS NULL OR a.merged_into <> b.merged_into)
RETURN a.id AS company_a, a.name AS name_a, b.id AS company_b, b.name AS name_b, ad.id AS address_id,
       ad.full AS address, ra.record_ids AS records_a, rb.record_ids AS records_b
ORDER BY company_a, company_b, address_id
LIMIT $limit
