// name: triangles
// description: Three-company chains X -> Y -> Z moving the same product (shared leading $level digits) within a date window
// category: relabeling
// param: start string = "0000-01-01"
// param: end string = "9999-12-31"
// param: level int = 4
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (x:Company)-[:SHIPPED]->(s1:Shipment)-[:CONSIGNED_TO]->(y:Company)-[:SHIPPED]->(s2:Shipment)-[:CONSIGNED_TO]->(z:Company)
WHERE x <> y AND y <> z AND x <> z AND s1.date >= $start AND s2.date <= $end AND s2.date >= s1.date
  AND substring(s1.hs6, 0, $level) = substring(s2.hs6, 0, $level)
RETURN x.name AS x, x.country AS x_country, y.name AS y, y.country AS y_country, z.name AS z,
       z.country AS z_country, s1.hs_code AS code_in, s2.hs_code AS code_out, s1.date AS date_in,
       s2.date AS date_out, s1.source_file + ':' + toString(s1.source_row) AS evidence_in,
       s2.source_file + ':' + toString(s2.source_row) AS evidence_out
ORDER BY date_in, x, y, z
LIMIT $limit
