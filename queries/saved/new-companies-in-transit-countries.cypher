// name: new-companies-in-transit-countries
// description: Companies incorporated on or after $since in transit countries, with the shipments they sent and received
// category: companies
// param: since string = "2022-02-24"
// param: countries list = "KZ,AM,KG,AE,TR,UZ,GE"
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (c:Company)
WHERE c.incorporation_date >= $since AND c.country IN $countries
OPTIONAL MATCH (c)-[out:SUPPLIES]->(:Company)
WITH c, sum(coalesce(out.shipments, 0)) AS shipments_sent
OPTIONAL MATCH (:Company)-[inc:SUPPLIES]->(c)
RETURN c.id AS id, c.name AS name, c.country AS country, c.incorporation_date AS incorporated,
       shipments_sent, sum(coalesce(inc.shipments, 0)) AS shipments_received
ORDER BY incorporated DESC, name
LIMIT $limit
