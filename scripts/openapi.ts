// Writes the OpenAPI 3.1 document of the hub's HTTP API to client-sdk/openapi.json, from the same
// route tables the routers are built from. `--check`: write nothing, exit 1 when the file is stale.
//   npx tsx --conditions=conversation-hub-source scripts/openapi.ts [--check]
import { readFile, writeFile } from 'node:fs/promises';
import { openApiJson } from '../server/transport/http/openapi.js';

const target = new URL('../client-sdk/openapi.json', import.meta.url);
const generated = openApiJson();

if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== generated) {
    process.stderr.write('client-sdk/openapi.json is stale: run npx tsx --conditions=conversation-hub-source scripts/openapi.ts\n');
    process.exit(1);
  }
} else {
  await writeFile(target, generated);
  process.stdout.write(`wrote client-sdk/openapi.json (${generated.length} bytes)\n`);
}
