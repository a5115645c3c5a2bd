// name: direct-owners
// description: Direct owners of a company (either id of a merged company; owners reported by canonical id): share (percent, null = unknown), range, whether the publisher stated it as indirect, dates, status and evidence
// category: ownership
// param: company_id list
// expand: company_id
// canonical: owner_id
// stores: falkordb, neo4j
MATCH (o)-[r:OWNS]->(c:Company)
WHERE c.id IN $company_id
RETURN o.id AS owner_id, o.name AS owner, labels(o) AS labels, r.share AS share, r.share_min AS share_min,
       r.share_max AS share_max,
       CASE WHEN r.share IS NULL AND r.share_min IS NULL AND r.share_max IS NULL THEN 'unknown'
            ELSE 'stated' END AS share_basis,
       r.direct AS direct, r.component AS component, r.start AS start_date, r.end AS end_date,
       r.status AS status, c.id AS recorded_company_id, r.sources AS sources, r.record_ids AS record_ids
ORDER BY share DESC, owner_id
