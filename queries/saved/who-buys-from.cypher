// name: who-buys-from
// description: Direct buyers of a company (either id of a merged company; buyers by canonical id), with codes, first and last shipment dates and value
// category: trade
// param: company_id list
// expand: company_id
// canonical: buyer_id
// stores: falkordb, neo4j
MATCH (a:Company)-[r:SUPPLIES]->(b:Company)
WHERE a.id IN $company_id
RETURN b.id AS buyer_id, b.name AS buyer, b.country AS country, r.hs_codes AS hs_codes,
       r.first AS first, r.last AS last, r.shipments AS shipments, r.value AS value
ORDER BY value DESC
