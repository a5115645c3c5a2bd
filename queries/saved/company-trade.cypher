// name: company-shipments
// description: Shipments sent or received by a company, with the file and row each came from
// category: trade
// param: company_id string
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (a:Company)-[:SHIPPED]->(s:Shipment)-[:CONSIGNED_TO]->(b:Company)
WHERE a.id = $company_id OR b.id = $company_id
RETURN s.date AS date, a.name AS exporter, a.country AS from_country, b.name AS importer,
       b.country AS to_country, s.hs_code AS hs_code, s.origin_country AS origin, s.value AS value,
       s.currency AS currency, s.source_file AS file, s.source_row AS row
ORDER BY date
LIMIT $limit
