// name: buyers-of-dealer
// description: Buyers of a dealer or intermediary (all of them when no id is given), with codes, dates, value and shipment count
// category: trade
// param: dealer_id string = ""
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (d:Company)-[:SHIPPED]->(s:Shipment)-[:CONSIGNED_TO]->(b:Company)
WHERE ($dealer_id = '' AND (d:Dealer OR d:Intermediary)) OR d.id = $dealer_id
RETURN d.id AS dealer_id, d.name AS dealer, b.id AS buyer_id, b.name AS buyer, b.country AS country,
       count(s) AS shipments, sum(coalesce(s.value, 0)) AS value, collect(DISTINCT s.hs_code) AS hs_codes,
       min(s.date) AS first, max(s.date) AS last
ORDER BY value DESC, buyer
LIMIT $limit
