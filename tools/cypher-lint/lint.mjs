// Lints Cypher with Neo4j's own linter. Reads JSON from stdin:
//   {"schema": {"labels": [...], "relationshipTypes": [...], "propertyKeys": [...]},
//    "statements": [{"id": "...", "cypher": "...", "parameters": {"name": value}}]}
// Writes JSON to stdout: [{"id": "...", "errors": [...], "warnings": [...]}]
import { lintCypherQuery } from '@neo4j-cypher/language-support';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = request.statements.map(({ id, cypher, parameters }) => {
  const dbSchema = { ...request.schema, parameters: parameters ?? {} };
  const { diagnostics } = lintCypherQuery(cypher, dbSchema);
  // Severity 1 is an error, 2 a warning (vscode-languageserver-types).
  const pick = (severity) => diagnostics.filter((d) => d.severity === severity).map((d) => d.message);
  return { id, errors: pick(1), warnings: pick(2) };
});
process.stdout.write(JSON.stringify(results));
