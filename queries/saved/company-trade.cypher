// name: company-trade
// description: A company's trade partners (either id of a merged company; partners by canonical id), one row per partner record and direction, with shipment counts, codes, dates and value (the rows themselves: conveyor shipments --company ID)
// category: trade
// param: company_id list
// param: limit int = 200
// expand: company_id
// canonical: partner_id
// stores: falkordb, neo4j
MATCH (a:Company)-[r:SUPPLIES]->(b:Company)
WHERE a.id IN $company_id OR b.id IN $company_id
RETURN CASE WHEN a.id IN $company_id THEN 'sold to' ELSE 'bought from' END AS direction,
       CASE WHEN a.id IN $company_id THEN b.id ELSE a.id END AS partner_id,
       CASE WHEN a.id IN $company_id THEN b.name ELSE a.name END AS partner,
       CASE WHEN a.id IN $company_id THEN b.country ELSE a.country END AS partner_country,
       r.shipments AS shipments, r.hs_codes AS hs_codes, r.origins AS origins, r.first AS first,
       r.last AS last, r.value AS value
ORDER BY first
LIMIT $limit
