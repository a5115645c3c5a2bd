// name: hs-code
// description: An HS code with its parent heading and chapter and the colonies documented making it
// category: products
// param: code string
// stores: falkordb, neo4j
MATCH (p:Product {hs_code: $code})
OPTIONAL MATCH (p)-[:CHILD_OF*1..2]->(up:Product)
OPTIONAL MATCH (c:Colony)-[:MAKES]->(p)
RETURN p.hs_code AS code, p.description AS description, p.level AS level,
       collect(DISTINCT up.hs_code) AS parents, collect(DISTINCT c.name) AS made_by_colonies
