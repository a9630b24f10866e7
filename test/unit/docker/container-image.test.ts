/**
 * The Dockerfile cannot be built here (no Docker engine), so this checks what reading it promises:
 * every path it COPYs from the build context exists and is not excluded by .dockerignore, the final
 * stage is non-root with production dependencies only, and its entrypoint script runs under node.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

const root = resolve(import.meta.dirname, '../../..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

interface Stage {
  name: string;
  lines: string[];
}

/** Splits the Dockerfile into stages (FROM ... AS name), joining `\` continuations. */
function stages(): Stage[] {
  const joined = dockerfile.replace(/\\\n/g, ' ').split('\n');
  const out: Stage[] = [];
  for (const raw of joined) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ name: from[1] ?? `stage${out.length}`, lines: [] });
    out.at(-1)?.lines.push(line);
  }
  return out;
}

/** Sources of `COPY` instructions that read the build context (not `--from=`). */
function contextCopySources(): string[] {
  const sources: string[] = [];
  for (const stage of stages()) {
    for (const line of stage.lines) {
      if (!/^COPY\s/i.test(line) || /--from=/i.test(line)) continue;
      const parts = line
        .split(/\s+/)
        .slice(1)
        .filter((p) => !p.startsWith('--'));
      sources.push(...parts.slice(0, -1));
    }
  }
  return sources;
}

describe('Dockerfile', () => {
  it('copies only paths that exist in the build context', () => {
    const sources = contextCopySources();
    expect(sources).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'bin', 'schemas', 'examples']),
    );
    for (const src of sources) expect(existsSync(join(root, src)), `COPY source ${src}`).toBe(true);
  });

  it('does not exclude any copied path in .dockerignore', () => {
    for (const src of contextCopySources()) {
      const top = src.replace(/^\.\//, '').split('/')[0];
      expect(dockerignore, `.dockerignore excludes ${src}`).not.toContain(top);
    }
    // Local state and secrets never enter the context.
    expect(dockerignore).toEqual(
      expect.arrayContaining(['node_modules', '.git', '.jobq', '.env', 'jobq.yaml']),
    );
  });

  it('builds multi-stage on node:20-bookworm-slim and runs as a non-root user', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    const all = stages();
    expect(all.length).toBeGreaterThanOrEqual(2);
    const final = all.at(-1)!;
    const user = final.lines.filter((l) => /^USER\s/i.test(l)).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER\s+(root|0)\b/i);
  });

  it('ships production dependencies only and the compiled CLI in the final stage', () => {
    const final = stages().at(-1)!;
    const deps = stages().find((s) => s.lines.some((l) => /npm ci .*--omit=dev/.test(l)));
    expect(deps, 'a stage installs with --omit=dev').toBeDefined();
    expect(final.lines).toContain(`COPY --from=${deps!.name} /app/node_modules ./node_modules`);
    expect(final.lines.some((l) => /^COPY --from=build \/app\/dist/.test(l))).toBe(true);
    expect(final.lines.some((l) => /^RUN npm /.test(l))).toBe(false);
  });

  it('uses `jobq` (node bin/jobq.js) as the entrypoint, matching package.json bin', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(pkg.bin.jobq).toBe('bin/jobq.js');
    const entry = stages()
      .at(-1)!
      .lines.find((l) => /^ENTRYPOINT\s/i.test(l))!;
    expect(JSON.parse(entry.replace(/^ENTRYPOINT\s+/i, ''))).toEqual([
      '/usr/bin/tini',
      '--',
      'node',
      '/app/bin/jobq.js',
    ]);
  });
});

describe('bin/jobq.js under node', () => {
  it('parses', () => {
    const r = spawnSync(process.execPath, ['--check', join(root, 'bin/jobq.js')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('says how to build, exit 2, when dist/ is missing (imports nothing but node built-ins)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobq-bin-'));
    try {
      // bin/ as shipped (the image copies the whole folder): jobq.js and what it imports beside it.
      mkdirSync(join(dir, 'bin'));
      for (const f of readdirSync(join(root, 'bin'))) copyFileSync(join(root, 'bin', f), join(dir, 'bin', f));
      const r = spawnSync(process.execPath, [join(dir, 'bin/jobq.js'), '--help'], {
        encoding: 'utf8',
        cwd: dir,
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/not built yet/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(existsSync(join(root, 'dist/cli/main.js')))('prints --help and exits 0 once built', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin/jobq.js'), '--help'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/workflow/);
  });
});

describe('docker-compose.yml', () => {
  interface Service {
    command?: string[];
    entrypoint?: string[];
    image?: string;
  }
  const compose = parseYaml(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };

  it('runs Azurite, one coordinator and two workers from the jobq image', () => {
    const s = compose.services;
    expect(s.azurite.entrypoint?.join(' ')).toMatch(/azurite\/dist\/src\/azurite\.js/);
    expect(s.coordinator.command?.slice(0, 2)).toEqual(['workflow', 'coordinator']);
    const workers = Object.entries(s).filter(([, v]) => v.command?.[0] === 'worker');
    expect(workers).toHaveLength(2);
    for (const [, svc] of Object.entries(s)) expect(svc.image).toBe('jobq:local');
  });
});
