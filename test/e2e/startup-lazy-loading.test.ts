/**
 * The start-up rule of `src/cli/commands/index.ts` (issue 16): light command paths load no heavy
 * module. Each case runs the real CLI as a child process under a module tracer
 * (test/support/module-trace/register.mjs) that records every ESM and CommonJS module it resolves,
 * then checks what the path did and which packages it loaded.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { TOP_LEVEL_COMMANDS, WORKFLOW_COMMANDS } from '../../src/cli/commands/index.js';
import { azurite, uniquePrefix } from '../support/azurite.js';
import { REPO_ROOT, cliCommand } from '../support/cli.js';

vi.setConfig({ testTimeout: 120_000 });

const TRACER = pathToFileURL(join(REPO_ROOT, 'test', 'support', 'module-trace', 'register.mjs')).href;
const dir = mkdtempSync(join(tmpdir(), 'jobq-startup-'));

/** Packages no light path may load (matched as `node_modules/<name>/` in a resolved path or URL). */
const HEAVY = [
  '@azure/service-bus',
  '@azure/identity',
  '@azure/msal-node',
  '@azure/msal-common',
  '@azure/storage-blob',
  '@azure/storage-queue',
  '@azure/data-tables',
  '@azure/core-rest-pipeline',
  '@azure/core-amqp',
  '@opentelemetry/api',
  'rhea',
  'rhea-promise',
  'prom-client',
  'azurite',
  'cli-table3',
  'log-update',
  'pino',
];

/** Packages a coordinator on a plain Azurite storage-queue target must not load. */
const NOT_FOR_STORAGE_QUEUE_COORDINATOR = [
  '@azure/service-bus',
  '@azure/identity',
  '@azure/msal-node',
  '@azure/msal-common',
  'prom-client',
  '@azure/core-amqp',
  'rhea',
  'rhea-promise',
  'azurite',
  'cli-table3',
  'log-update',
];

/** The package names among loaded module paths/URLs (`@scope/name` or `name`). */
function packagesIn(modules: string[]): Set<string> {
  const out = new Set<string>();
  for (const m of modules) {
    const parts = decodeURIComponent(m).split(/node_modules[\\/]/);
    if (parts.length < 2) continue;
    const seg = parts[parts.length - 1].split(/[\\/]/);
    out.add(seg[0].startsWith('@') ? `${seg[0]}/${seg[1]}` : seg[0]);
  }
  return out;
}

interface TracedRun {
  code: number | null;
  stdout: string;
  stderr: string;
  packages: Set<string>;
  modules: string[];
}

let traceNo = 0;

/** Run the CLI (or `node` with `nodeArgs`) under the tracer; resolves when the child exits. */
function traced(
  args: string[],
  opts: {
    env?: Record<string, string>;
    nodeArgs?: string[];
    /** Called with the child's stderr so far; return true to send SIGTERM. */
    stopWhen?: (stderr: string) => boolean;
  } = {},
): Promise<TracedRun> {
  const trace = join(dir, `trace-${++traceNo}.txt`);
  writeFileSync(trace, '');
  const [node, ...entry] = cliCommand();
  const argv = opts.nodeArgs
    ? ['--import', TRACER, ...opts.nodeArgs]
    : ['--import', TRACER, ...entry, ...args];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    // The unbundled build: one file per module, so the trace shows what a command loads (the bundle
    // inlines light packages; heavy ones stay external and would show in either).
    JOBQ_CLI_BUNDLE: '0',
    JOBQ_TEST_MODULE_TRACE: trace,
    ...opts.env,
  };
  delete env.JOBQ_WORKFLOW_PREFIX;
  for (const k of ['JOBQ_WORKFLOW_ID', 'JOBQ_WORKFLOW_TASK'])
    if (!opts.env || !(k in opts.env)) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(node, argv, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stopped = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!stopped && opts.stopWhen?.(stderr)) {
        stopped = true;
        child.kill('SIGTERM');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const modules = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
      resolve({ code, stdout, stderr, modules, packages: packagesIn(modules) });
    });
  });
}

function expectNone(run: TracedRun, forbidden: string[]): void {
  // The tracer saw the process load something: an empty trace would make this check vacuous.
  expect(run.modules.length, run.stderr).toBeGreaterThan(0);
  expect(
    forbidden.filter((p) => run.packages.has(p)),
    `loaded: ${[...run.packages].sort().join(', ')}`,
  ).toEqual([]);
}

/**
 * A coordinator on a fresh prefix of the test Azurite, traced until it logs 'coordinator started' (after
 * the lease and the index listing, so the trace covers calls to all three services), then stopped. The
 * exit status is not checked: SIGTERM can land before the signal handlers are installed.
 */
async function tracedCoordinator(build: 'bundle' | 'unbundled'): Promise<TracedRun> {
  const az = azurite();
  const args = ['workflow', `devstoreaccount1/${uniquePrefix('Lazy')}`, 'coordinator'];
  const r = await traced(build === 'bundle' ? [] : args, {
    nodeArgs: build === 'bundle' ? [join(REPO_ROOT, 'bin', 'jobq.js'), ...args] : undefined,
    env: {
      ...(build === 'bundle' ? { JOBQ_CLI_BUNDLE: '1' } : {}),
      BLOB_PORT: String(az.ports.blob),
      QUEUE_PORT: String(az.ports.queue),
      TABLE_PORT: String(az.ports.table),
      JOBQ_LOG_LEVEL: 'info',
    },
    stopWhen: (stderr) => stderr.includes('coordinator started'),
  });
  expect(r.stderr).toContain('coordinator started');
  return r;
}

describe('light command paths load no heavy module', () => {
  it('jobq --help lists every command', async () => {
    const r = await traced(['--help']);
    expect(r.code, r.stderr).toBe(0);
    for (const c of TOP_LEVEL_COMMANDS) expect(r.stdout).toContain(`jobq ${c.command.split(' ')[0]}`);
    expect(r.packages.has('yargs')).toBe(true);
    expectNone(r, HEAVY);
  });

  it('jobq workflow --help lists every workflow command', async () => {
    const r = await traced(['workflow', '--help']);
    expect(r.code, r.stderr).toBe(0);
    for (const c of WORKFLOW_COMMANDS) expect(r.stdout).toContain(`jobq workflow ${c.command.split(' ')[0]}`);
    expectNone(r, HEAVY);
  });

  it('jobq task output set writes the output file', async () => {
    const out = join(dir, 'output.json');
    const r = await traced(['task', 'output', 'set', '{"a":1}'], {
      env: { JOBQ_WORKFLOW_ID: 'wf1', JOBQ_WORKFLOW_TASK: 't1', JOBQ_OUTPUT_FILE: out },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ a: 1 });
    // The fast path (src/cli/task-fast-path.ts) runs the handler without the yargs parser.
    expectNone(r, [...HEAVY, 'yargs']);
  });

  it('jobq workflow validate examples/diamond.yaml', async () => {
    const r = await traced(['workflow', 'validate', 'examples/diamond.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^OK {4}examples\/diamond\.yaml {2}\(4 tasks\)/);
    // The fast path (src/cli/validate-fast-path.ts) skips yargs; validating needs no zod (that is the
    // config and index schemas) and no config resolution.
    expectNone(r, [...HEAVY, 'yargs', 'zod']);
    expect(r.modules.filter((m) => /\/config\//.test(m))).toEqual([]);
  });

  it('jobq workflow validate of a JSON file loads no YAML parser', async () => {
    const r = await traced(['workflow', 'validate', 'examples/fan-out-fan-in.json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^OK {4}examples\/fan-out-fan-in\.json /);
    expectNone(r, [...HEAVY, 'yargs', 'zod', 'yaml']);
  });

  it('importing every command module (what `jobq … CMD --help` does) loads nothing heavy', async () => {
    const commandsDir = join(REPO_ROOT, 'dist', 'cli', 'commands');
    const files = readdirSync(commandsDir).filter((f) => f.endsWith('.js'));
    expect(files.length).toBeGreaterThan(WORKFLOW_COMMANDS.length);
    const urls = files.map((f) => pathToFileURL(join(commandsDir, f)).href);
    const script = `for (const u of ${JSON.stringify(urls)}) await import(u); console.log('imported');`;
    const r = await traced([], { nodeArgs: ['--input-type=module', '-e', script] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('imported');
    expectNone(r, HEAVY);
  });

  it('a coordinator on an Azurite storage-queue target loads no Azure SDK, Service Bus, identity nor prom-client', async () => {
    const r = await tracedCoordinator('unbundled');
    // The default lean HTTP client (JOBQ_HTTP_CLIENT=lean) makes every storage call without any Azure
    // SDK package, the index table included.
    expectNone(r, [
      ...NOT_FOR_STORAGE_QUEUE_COORDINATOR,
      '@azure/storage-blob',
      '@azure/storage-queue',
      '@azure/data-tables',
      '@azure/core-rest-pipeline',
      '@azure/core-client',
    ]);
  });
});

describe('command registry', () => {
  it('each row names its module’s command and description exactly', async () => {
    for (const row of [...WORKFLOW_COMMANDS, ...TOP_LEVEL_COMMANDS]) {
      const mod = await row.load();
      expect({ command: mod.command, describe: mod.describe }).toEqual({
        command: row.command,
        describe: row.describe,
      });
    }
  });

  it('every command module in src/cli/commands has a row', async () => {
    const files = readdirSync(join(REPO_ROOT, 'src', 'cli', 'commands')).filter(
      (f) => f.endsWith('.ts') && f !== 'index.ts',
    );
    const loaded = new Set<unknown>();
    for (const row of [...WORKFLOW_COMMANDS, ...TOP_LEVEL_COMMANDS]) loaded.add(await row.load());
    for (const f of files) {
      const mod = (await import(`../../src/cli/commands/${f}`)) as Record<string, unknown>;
      const commands = Object.values(mod).filter(
        (v) => v !== null && typeof v === 'object' && 'command' in v && 'handler' in v,
      );
      for (const c of commands)
        expect(loaded.has(c), `${f} exports a command without a registry row`).toBe(true);
    }
  });
});

describe('the CLI bundle (dist/bundle, scripts/bundle-cli.mjs)', () => {
  const bin = join(REPO_ROOT, 'bin', 'jobq.js');

  it('is what bin/jobq.js runs by default, and it keeps the heavy packages out', async () => {
    const r = await traced([], {
      nodeArgs: [bin, 'workflow', 'validate', 'examples/diamond.yaml'],
      env: { JOBQ_CLI_BUNDLE: '1' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^OK /);
    expect(r.modules.some((m) => m.includes('/dist/bundle/main.js'))).toBe(true);
    expect(r.modules.some((m) => m.includes('/dist/cli/'))).toBe(false);
    expectNone(r, HEAVY);
  });

  it('runs a coordinator on Azurite with the bundled pino and without builtins it does not use', async () => {
    const r = await tracedCoordinator('bundle');
    // pino from dist/bundle/pino.cjs (scripts/pino-bundle.mjs), not node_modules.
    expect(r.modules.some((m) => m.endsWith('/dist/bundle/pino.cjs'))).toBe(true);
    expectNone(r, [...NOT_FOR_STORAGE_QUEUE_COORDINATOR, 'pino', 'sonic-boom', 'thread-stream']);
    // No TLS for http Azurite, no HTTP server without --metrics-port/--health-port, no child
    // processes or worker threads: each of these builtins costs 4–14 ms to load.
    const builtins = r.modules.map((m) => m.replace(/^node:/, ''));
    for (const b of ['tls', 'https', 'http', 'child_process', 'worker_threads', 'assert'])
      expect(builtins, `loaded ${b}`).not.toContain(b);
    expect(builtins).toContain('net');
  });

  it('maps stack traces to src/*.ts with --log-level debug', async () => {
    const r = await traced([], {
      nodeArgs: [bin, 'task', 'inputs', '--log-level', 'debug'],
      env: { JOBQ_CLI_BUNDLE: '1' },
    });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^jobq: JOBQ_WORKFLOW_ID is not set/);
    expect(r.stderr).toMatch(/src[\\/]task[\\/]context\.ts:\d+:\d+/);
    expect(r.stderr).not.toMatch(/dist[\\/]bundle[\\/]/);
  });

  it('prints no stack without --log-level debug', async () => {
    const r = await traced([], { nodeArgs: [bin, 'task', 'inputs'], env: { JOBQ_CLI_BUNDLE: '1' } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
