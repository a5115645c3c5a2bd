// name: direct-owners
// description: Direct owners of a company: share (percent, null = unknown), range, dates, status and evidence
// category: ownership
// param: company_id string
// stores: falkordb, neo4j
MATCH (o)-[r:OWNS]->(c:Company {id: $company_id})
RETURN o.id AS owner_id, o.name AS owner, labels(o) AS labels, r.share AS share, r.share_min AS share_min,
       r.share_max AS share_max, r.start AS start_date, r.end AS end_date, r.status AS status,
       r.direct AS direct, r.sources AS sources, r.record_ids AS record_ids
ORDER BY share DESC, owner_id
