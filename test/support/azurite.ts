/** Test helpers for the shared Azurite started by global-setup.ts. */
import { inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { AccountSpec } from '../../src/config/types.js';

export function azurite() {
  return inject('azurite');
}

/** The Azurite account spec for the shared test instance. */
export function azuriteAccount(): AccountSpec {
  const az = inject('azurite');
  return {
    kind: 'azurite',
    account: 'devstoreaccount1',
    host: az.host,
    blobPort: az.ports.blob,
    queuePort: az.ports.queue,
    tablePort: az.ports.table,
  };
}

/** A unique, valid jobq prefix (alphanumeric, starts with a letter) so test files never share state. */
export function uniquePrefix(tag = 'T'): string {
  return `${tag.replace(/[^A-Za-z0-9]/g, '')}${randomBytes(5).toString('hex')}`;
}

/** Poll `check` until it returns a truthy value or the deadline passes (no fixed sleeps in tests). */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}
