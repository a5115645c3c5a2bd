// name: company-trade
// description: A company's trade partners, one row per partner and direction, with shipment counts, codes, dates and value (the rows themselves: conveyor shipments --company ID)
// category: trade
// param: company_id string
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (a:Company)-[r:SUPPLIES]->(b:Company)
WHERE a.id = $company_id OR b.id = $company_id
RETURN CASE WHEN a.id = $company_id THEN 'sold to' ELSE 'bought from' END AS direction,
       CASE WHEN a.id = $company_id THEN b.id ELSE a.id END AS partner_id,
       CASE WHEN a.id = $company_id THEN b.name ELSE a.name END AS partner,
       CASE WHEN a.id = $company_id THEN b.country ELSE a.country END AS partner_country,
       r.shipments AS shipments, r.hs_codes AS hs_codes, r.origins AS origins, r.first AS first,
       r.last AS last, r.value AS value
ORDER BY first
LIMIT $limit
