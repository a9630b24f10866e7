// A bare receive-and-delete loop over the lean client, in its own process: CPU per message at a
// given queue depth (docs/benchmarks.md, "Sixth round"). Needs `npm run build`.
//   N=5000 CONC=8 node [--interrupt-budget=1048576] bench/probes/raw-drain.mjs
// N: messages prefilled (313 B); CONC: deletes in flight; HOLD: received-but-undeleted bound.
import { startAzurite } from '../../dist/azurite/embedded.js';
import { azuriteAccount } from '../../dist/config/accounts.js';
import { createRestStorageQueue } from '../../dist/adapters/azure/rest/open.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
const N = Number(process.env.N ?? 5000),
  CONC = Number(process.env.CONC ?? 8),
  HOLD = Number(process.env.HOLD ?? 64);
const location = mkdtempSync(join(tmpdir(), 'jobq-raw-drain-'));
const az = await startAzurite({ location });
const acc = azuriteAccount({
  BLOB_PORT: String(az.ports.blob),
  QUEUE_PORT: String(az.ports.queue),
  TABLE_PORT: String(az.ports.table),
});
const q = createRestStorageQueue(acc, 'rawdrain', 'x');
await q.ensure();
const body = 'x'.repeat(313);
let sent = 0;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (sent < N) {
      sent++;
      await q.send(body);
    }
  }),
);
const c0 = process.cpuUsage();
const t0 = performance.now();
let deleted = 0,
  held = 0,
  inflight = 0;
const pending = [];
let wake;
function pump() {
  while (inflight < CONC && pending.length) {
    const m = pending.shift();
    inflight++;
    q.delete(m).then(() => {
      inflight--;
      held--;
      deleted++;
      pump();
      if (wake) {
        const w = wake;
        wake = null;
        w();
      }
    });
  }
}
let empty = 0;
while (deleted < N) {
  if (held >= HOLD) {
    await new Promise((r) => (wake = r));
    continue;
  }
  const got = await q.receive(32, 60);
  if (got.length === 0) {
    if (held === 0 && ++empty > 3) break;
    await new Promise((r) => setTimeout(r, 5));
    continue;
  }
  held += got.length;
  pending.push(...got);
  pump();
}
const dt = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
console.log(
  JSON.stringify({
    N,
    CONC,
    HOLD,
    deleted,
    s: +dt.toFixed(2),
    rate: +(deleted / dt).toFixed(0),
    user_ms: +(c.user / 1000 / deleted).toFixed(3),
    sys_ms: +(c.system / 1000 / deleted).toFixed(3),
  }),
);
await az.stop();
rmSync(location, { recursive: true, force: true });
