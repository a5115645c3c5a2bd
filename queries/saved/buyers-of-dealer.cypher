// name: buyers-of-dealer
// description: Buyers of a dealer or intermediary (all of them when no id is given; either id of a merged company; companies by canonical id), with codes, dates, value and shipment count
// category: trade
// param: dealer_id list = ""
// param: limit int = 200
// expand: dealer_id
// canonical: dealer_id, buyer_id
// stores: falkordb, neo4j
MATCH (d:Company)-[r:SUPPLIES]->(b:Company)
WHERE (size($dealer_id) = 0 AND (d:Dealer OR d:Intermediary)) OR d.id IN $dealer_id
RETURN d.id AS dealer_id, d.name AS dealer, b.id AS buyer_id, b.name AS buyer, b.country AS country,
       r.shipments AS shipments, coalesce(r.value, 0) AS value, r.hs_codes AS hs_codes,
       r.first AS first, r.last AS last
ORDER BY value DESC, buyer
LIMIT $limit
