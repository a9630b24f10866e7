/**
 * `npm run schema`: regenerates schemas/workflow-definition.schema.json from the zod model.
 * `--check` exits 1 when the checked-in file is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { workflowDefinitionJsonSchema } from './schema.js';

export const SCHEMA_PATH = fileURLToPath(
  new URL('../../schemas/workflow-definition.schema.json', import.meta.url),
);

/** The exact text of the schema file (2-space JSON, trailing newline). */
export function renderSchemaFile(): string {
  return JSON.stringify(workflowDefinitionJsonSchema(), null, 2) + '\n';
}

async function run(argv: string[]): Promise<number> {
  const text = renderSchemaFile();
  if (argv.includes('--check')) {
    const current = await readFile(SCHEMA_PATH, 'utf8').catch(() => '');
    if (current === text) return 0;
    process.stderr.write(`${SCHEMA_PATH} is stale: run npm run schema\n`);
    return 1;
  }
  await writeFile(SCHEMA_PATH, text);
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await run(process.argv.slice(2));
}
