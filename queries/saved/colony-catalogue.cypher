// name: colony-catalogue
// description: Colonies with their operating enterprise, documented products and the source of the facts
// category: colonies
// param: country string = ""
// stores: falkordb, neo4j
MATCH (c:Colony)
WHERE $country = '' OR c.country = $country
OPTIONAL MATCH (c)-[:OPERATES]->(p:Company)
RETURN c.id AS colony, c.name AS name, c.city AS city, p.name AS enterprise, c.products AS products,
       c.hs_codes AS hs_codes, c.source_title AS source, c.source_url AS url, c.synthetic AS synthetic
ORDER BY colony
