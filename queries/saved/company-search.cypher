// name: company-search
// description: Companies whose normalised name contains a text (case, script and legal form ignored)
// category: companies
// param: text string
// param: limit int = 50
// stores: falkordb, neo4j
MATCH (c:Company)
WHERE c.name_norm CONTAINS toLower($text) OR toLower(c.name) CONTAINS toLower($text)
RETURN c.id AS id, c.name AS name, c.country AS country, labels(c) AS labels, c.sources AS sources
ORDER BY name
LIMIT $limit
