// name: derived-facts
// description: Where the derived facts about a company came from: each job that set its roles, supernode flag (with its reasons) or merge, and each SUPPLIES / NOTIFIES / OPERATES / SAME_AS a job wrote at it, with derived_by ("derived:<job>=<run of the load that caused it>") and, for trade, the sources of the evidence
// category: companies
// param: id string
// stores: falkordb, neo4j
MATCH (c:Company {id: $id})
OPTIONAL MATCH (c)-[r]-(o)
WHERE r.derived_by IS NOT NULL
RETURN c.id AS company_id, labels(c) AS labels, c.derived_by AS company_derived_by,
       c.supernode_reasons AS supernode_reasons, c.merged_into AS merged_into, type(r) AS relationship,
       o.id AS other_id, r.derived_by AS derived_by, r.sources AS sources
ORDER BY relationship, other_id
