/**
 * `npm run bench [-- --json] [--quick] [SCENARIO...]`: runs the scenarios in bench/scenarios/ and prints
 * one JSON line per metric with --json (logs on stderr), else a readable table.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { machineSettings, type BenchScenario, type Metric } from './lib/report.js';

const ORDER = [
  'model',
  'engine',
  'ceiling',
  'coordinator',
  'e2e',
  'giant',
  'idle',
  'latency',
  'startup',
  'failover',
  'memo',
];

async function loadScenario(name: string): Promise<BenchScenario | null> {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'scenarios', `${name}.ts`);
  if (!existsSync(file)) return null;
  const mod = (await import(pathToFileURL(file).href)) as { scenario: BenchScenario };
  return mod.scenario;
}

function fmt(m: Metric): string {
  const v = Math.abs(m.value) >= 100 ? m.value.toFixed(0) : m.value.toFixed(2);
  const tgt = m.target === null ? '' : ` (target ${m.higher_is_better ? '>=' : '<='} ${m.target})`;
  const ratio =
    m.ratio !== undefined ? `  ceiling ${m.ceiling?.toFixed(0)}  ratio ${m.ratio.toFixed(3)}` : '';
  return `${m.scenario.padEnd(12)} ${m.metric.padEnd(44)} ${v.padStart(12)} ${m.unit}${tgt}${ratio}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const selected = names.length ? names : ORDER;
  let failed = false;
  for (const name of selected) {
    const scenario = await loadScenario(name);
    if (!scenario) {
      process.stderr.write(`bench: unknown scenario '${name}' (known: ${ORDER.join(', ')})\n`);
      failed = true;
      continue;
    }
    process.stderr.write(`bench: running ${name} — ${scenario.description}\n`);
    try {
      await scenario.run({
        quick,
        log: (msg) => process.stderr.write(`  [${name}] ${msg}\n`),
        emit: (m) => {
          const metric: Metric = {
            scenario: name,
            ...m,
            settings: { ...machineSettings(), ...(m.settings ?? {}) },
          };
          process.stdout.write(json ? JSON.stringify(metric) + '\n' : fmt(metric) + '\n');
        },
      });
    } catch (err) {
      failed = true;
      process.stderr.write(
        `bench: scenario ${name} failed: ${err instanceof Error ? err.stack : String(err)}\n`,
      );
    }
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
