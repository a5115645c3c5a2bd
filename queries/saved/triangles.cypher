// name: triangles
// description: Three-company chains X -> Y -> Z trading the same product (shared leading $level digits) within a date window (per code first and last dates on SUPPLIES edges; rows: conveyor shipments --seller A --buyer B)
// category: relabeling
// param: start string = "0000-01-01"
// param: end string = "9999-12-31"
// param: level int = 4
// param: limit int = 200
// stores: falkordb, neo4j
MATCH (x:Company)-[r1:SUPPLIES]->(y:Company)-[r2:SUPPLIES]->(z:Company)
WHERE x <> z
UNWIND range(0, size(r1.hs_codes) - 1) AS i
UNWIND range(0, size(r2.hs_codes) - 1) AS j
WITH x, y, z, r1.hs_codes[i] AS code_in, r1.hs_first[i] AS first_in, r2.hs_codes[j] AS code_out,
     r2.hs_last[j] AS last_out
WHERE first_in >= $start AND last_out <= $end AND last_out >= first_in
  AND substring(code_in, 0, $level) = substring(code_out, 0, $level)
RETURN x.name AS x, x.country AS x_country, y.name AS y, y.country AS y_country, z.name AS z,
       z.country AS z_country, code_in, code_out, first_in, last_out,
       x.id + ' -> ' + y.id AS evidence_in, y.id + ' -> ' + z.id AS evidence_out
ORDER BY first_in, x, y, z
LIMIT $limit
