// name: who-buys-from
// description: Direct buyers of a company, with codes, first and last shipment dates and value
// category: trade
// param: company_id string
// stores: falkordb, neo4j
MATCH (a:Company {id: $company_id})-[r:SUPPLIES]->(b:Company)
RETURN b.id AS buyer_id, b.name AS buyer, b.country AS country, r.hs_codes AS hs_codes,
       r.first AS first, r.last AS last, r.shipments AS shipments, r.value AS value
ORDER BY value DESC
