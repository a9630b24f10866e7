/**
 * The deploy/ recipes stay true to the CLI (issue 17): every Kubernetes manifest parses and has the
 * shape the docs promise, the Bicep file names the same things, and every `jobq` command line in them
 * is run as `jobq … --help` with each of its flags checked against that help, so renaming a flag or an
 * environment variable breaks the build instead of a deployment.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, runCli } from '../support/cli.js';

const K8S = join(REPO_ROOT, 'deploy', 'kubernetes');
const BICEP = join(REPO_ROOT, 'deploy', 'container-apps', 'main.bicep');

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form manifests

interface Container {
  file: string;
  owner: string;
  args: string[];
  env: string[];
  doc: Doc;
  container: Doc;
}

function k8sDocs(): { file: string; doc: Doc }[] {
  const out: { file: string; doc: Doc }[] = [];
  for (const file of readdirSync(K8S).filter((f) => f.endsWith('.yaml'))) {
    for (const d of parseAllDocuments(readFileSync(join(K8S, file), 'utf8'))) {
      expect(d.errors, `${file}: ${d.errors.join('; ')}`).toEqual([]);
      const doc = d.toJS() as Doc | null;
      if (doc) out.push({ file, doc });
    }
  }
  return out;
}

function podSpec(doc: Doc): Doc | undefined {
  if (doc.kind === 'Deployment') return doc.spec?.template?.spec;
  if (doc.kind === 'ScaledJob') return doc.spec?.jobTargetRef?.template?.spec;
  return undefined;
}

function k8sContainers(docs: { file: string; doc: Doc }[]): Container[] {
  return docs.flatMap(({ file, doc }) =>
    ((podSpec(doc)?.containers ?? []) as Doc[]).map((c) => ({
      file,
      owner: `${doc.kind}/${doc.metadata?.name}`,
      args: (c.args ?? []).map(String),
      env: (c.env ?? []).map((e: Doc) => String(e.name)),
      doc,
      container: c,
    })),
  );
}

/** `args: [ … ]` lists of the Bicep file, with parameter references replaced by a sample value. */
function bicepCommandLines(text: string): string[][] {
  const lines: string[][] = [];
  for (const m of text.matchAll(/args:\s*\[([^\]]*)\]/g)) {
    lines.push(
      m[1]
        .split(/\s+/)
        .filter(Boolean)
        .map((tok) => (tok.startsWith("'") ? tok.replace(/^'|'$/g, '') : 'sample-queue')),
    );
  }
  return lines;
}

/** The words that name the command (`worker`, `workflow coordinator`), before positionals and flags. */
function commandWords(args: string[]): string[] {
  return args[0] === 'workflow' ? args.slice(0, 2) : args.slice(0, 1);
}

async function checkCommandLine(args: string[], where: string): Promise<void> {
  expect(['worker', 'workflow'], `${where}: not a jobq command line: ${args.join(' ')}`).toContain(args[0]);
  const res = await runCli([...commandWords(args), '--help']);
  expect(res.code, `${where}: jobq ${commandWords(args).join(' ')} --help\n${res.stderr}`).toBe(0);
  for (const flag of args.filter((a) => a.startsWith('--'))) {
    const name = flag.split('=')[0];
    expect(res.stdout, `${where}: ${name} is not a flag of jobq ${commandWords(args).join(' ')}`).toMatch(
      new RegExp(`(^|\\s)${name}(\\s|,|$)`, 'm'),
    );
  }
}

/** Every JOBQ_* name must be one jobq reads. */
function checkEnvNames(names: string[], where: string, sources: string): void {
  for (const n of names.filter((x) => x.startsWith('JOBQ_'))) {
    expect(sources, `${where}: jobq reads no ${n}`).toContain(n);
  }
}

function allSources(dir = join(REPO_ROOT, 'src')): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((e) =>
      e.isDirectory()
        ? allSources(join(dir, e.name))
        : e.name.endsWith('.ts')
          ? readFileSync(join(dir, e.name), 'utf8')
          : '',
    )
    .join('\n');
}

describe('deploy/ recipes', () => {
  it('Kubernetes: 2-replica --standby coordinator with probes and a PDB; KEDA workers on the task queue', () => {
    const docs = k8sDocs().map((d) => d.doc);
    const coordinator = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'jobq-coordinator')!;
    expect(coordinator.spec.replicas).toBe(2);
    const c = coordinator.spec.template.spec.containers[0];
    expect(c.args.slice(0, 3)).toEqual(['workflow', 'coordinator', '--standby']);
    const port = c.ports.find((p: Doc) => p.name === 'metrics');
    expect(c.args).toContain(String(port.containerPort));
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      expect(['/healthz', '/readyz']).toContain(c[probe].httpGet.path);
      expect(c[probe].httpGet.port).toBe('metrics');
    }
    // Bound to all interfaces, or the kubelet's probes never reach the process.
    expect(c.env).toContainEqual({ name: 'JOBQ_COORDINATOR_METRICS_HOST', value: '0.0.0.0' });
    const pdb = docs.find((d) => d.kind === 'PodDisruptionBudget')!;
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(coordinator.spec.selector.matchLabels);

    const auth = docs.find((d) => d.kind === 'TriggerAuthentication')!;
    expect(auth.spec.podIdentity.provider).toBe('azure-workload');
    const sa = docs.find((d) => d.kind === 'ServiceAccount')!;
    expect(sa.metadata.annotations['azure.workload.identity/client-id']).toBeTruthy();
    const job = docs.find((d) => d.kind === 'ScaledJob')!;
    const scaledObject = docs.find((d) => d.kind === 'ScaledObject')!;
    for (const scaler of [job, scaledObject]) {
      const trigger = scaler.spec.triggers[0];
      expect(trigger.type).toBe('azure-queue');
      expect(trigger.authenticationRef.name).toBe(auth.metadata.name);
    }
    const jobPod = job.spec.jobTargetRef.template;
    expect(jobPod.metadata.labels['azure.workload.identity/use']).toBe('true');
    expect(jobPod.spec.serviceAccountName).toBe(sa.metadata.name);
    const worker = jobPod.spec.containers[0];
    // The Job's worker serves the queue the scaler watches, and exits when it stays empty.
    expect(worker.args.slice(0, 2)).toEqual(['worker', job.spec.triggers[0].metadata.queueName]);
    expect(worker.args).toContain('--idle-timeout');
    const target = docs.find(
      (d) => d.kind === 'Deployment' && d.metadata.name === scaledObject.spec.scaleTargetRef.name,
    )!;
    expect(target.spec.template.spec.containers[0].args[1]).toBe(
      scaledObject.spec.triggers[0].metadata.queueName,
    );
  });

  it('Container Apps (Bicep): coordinator at min = max = 2 with --standby, worker job on an azure-queue rule', () => {
    const text = readFileSync(BICEP, 'utf8');
    expect(text).toMatch(/scale:\s*\{\s*minReplicas:\s*2,\s*maxReplicas:\s*2\s*\}/);
    expect(text).toMatch(/triggerType:\s*'Event'/);
    expect(text).toMatch(/type:\s*'azure-queue'/);
    expect(text).toMatch(/path:\s*'\/healthz'/);
    const lines = bicepCommandLines(text);
    expect(lines.map((l) => l.slice(0, 3))).toEqual([
      ['workflow', 'coordinator', '--standby'],
      ['worker', 'sample-queue', '--concurrency'],
    ]);
    expect(lines[1]).toContain('--idle-timeout');
  });

  it(
    'every jobq command line and JOBQ_* variable in the recipes is one the CLI accepts',
    { timeout: 120_000 },
    async () => {
      const sources = allSources();
      const docs = k8sDocs();
      for (const c of k8sContainers(docs)) {
        await checkCommandLine(c.args, `${c.file} ${c.owner}`);
        checkEnvNames(c.env, `${c.file} ${c.owner}`, sources);
      }
      for (const { file, doc } of docs.filter((d) => d.doc.kind === 'ConfigMap')) {
        checkEnvNames(Object.keys(doc.data ?? {}), `${file} ConfigMap`, sources);
      }
      const bicep = readFileSync(BICEP, 'utf8');
      for (const line of bicepCommandLines(bicep)) await checkCommandLine(line, 'main.bicep');
      checkEnvNames(
        [...bicep.matchAll(/name:\s*'(JOBQ_[A-Z_]+)'/g)].map((m) => m[1]),
        'main.bicep',
        sources,
      );
    },
  );

  it('the flag check itself catches a renamed flag', async () => {
    await expect(checkCommandLine(['worker', 'q', '--idle-timeoutt', '5'], 'probe')).rejects.toThrow(
      /--idle-timeoutt is not a flag/,
    );
  });
});
