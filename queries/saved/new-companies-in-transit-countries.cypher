// name: new-companies-in-transit-countries
// description: Companies incorporated on or after $since in transit countries, with the shipments they sent and received
// category: companies
// param: since string = "2022-02-24"
// param: countries list = "KZ,AM,KG,AE,TR,UZ,GE"
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (c:Company)
WHERE c.incorporation_date >= $since AND c.country IN $countries
OPTIONAL MATCH (c)-[:SHIPPED]->(out:Shipment)
OPTIONAL MATCH (inc:Shipment)-[:CONSIGNED_TO]->(c)
RETURN c.id AS id, c.name AS name, c.country AS country, c.incorporation_date AS incorporated,
       count(DISTINCT out) AS shipments_sent, count(DISTINCT inc) AS shipments_received
ORDER BY incorporated DESC, name
LIMIT $limit
