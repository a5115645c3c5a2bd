// name: merged-entity
// description: An entity's merged cluster (Company.merged_into, from `conveyor resolve`): every member with its sources and identifiers, and the SAME_AS evidence between members
// category: companies
// param: id string
// stores: falkordb, neo4j
MATCH (c:Company {id: $id})
WITH coalesce(c.merged_into, c.id) AS canonical
MATCH (m:Company)
WHERE m.merged_into = canonical OR m.id = canonical
OPTIONAL MATCH (m)-[s:SAME_AS]-(o:Company)
WHERE o.merged_into = canonical
RETURN canonical, m.id AS member, m.name AS name, m.country AS country, m.lei AS lei, m.unp AS unp,
       m.sources AS sources, m.record_ids AS record_ids,
       collect(DISTINCT {other: o.id, score: s.score, method: s.method, judgement: s.judgement}) AS same_as
ORDER BY member
