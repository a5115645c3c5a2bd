// name: top-flows-by-code
// description: Largest aggregate flows (Comtrade, Comext) under a code prefix and period prefix, with the file row behind each
// category: flows
// param: code string = ""
// param: period string = ""
// param: limit int = 50
// stores: falkordb, neo4j
MATCH (t:TradeFlow)
WHERE ($code = '' OR t.hs_code STARTS WITH $code) AND ($period = '' OR t.period STARTS WITH $period)
RETURN t.source_kind AS source, t.reporter AS reporter, t.flow AS flow, t.partner AS partner,
       t.hs_code AS hs_code, t.period AS period, t.value AS value, t.net_weight_kg AS net_weight_kg,
       t.source_file AS file, t.source_row AS row
ORDER BY value DESC, reporter, partner
LIMIT $limit
