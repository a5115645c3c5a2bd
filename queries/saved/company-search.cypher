// name: company-search
// description: Companies with a name, alias, previous or weak name matching a text (case, script, transliteration and legal form ignored)
// category: companies
// param: text string
// param: limit int = 50
// param: text_keys list = ""
// fold: text -> text_keys
// stores: falkordb, neo4j
// how: `conveyor query run` fills text_keys with the folded words of text (loaders.names.search_key), so 'Лесная мебель' and 'Lesnaya Mebel' give the same words; a company matches when one of its search_keys (one per name) holds every word. Without text_keys the text is matched as written against name, name_norm and aliases.
MATCH (c:Company)
WITH c, coalesce($text_keys, []) AS words, toLower($text) AS text
WHERE (size(words) > 0 AND any(k IN coalesce(c.search_keys, []) WHERE all(w IN words WHERE k CONTAINS w)))
   OR c.name_norm CONTAINS text OR toLower(c.name) CONTAINS text
   OR any(a IN coalesce(c.aliases, []) + coalesce(c.weak_aliases, []) WHERE toLower(a) CONTAINS text)
RETURN c.id AS id, c.name AS name, c.aliases AS aliases, c.country AS country, labels(c) AS labels,
       c.sources AS sources
ORDER BY name
LIMIT $limit
