import { describe, expect, it } from 'vitest';
import { totalTransactions } from '../../../bench/lib/host-process.js';
import type { HostReport } from '../../../bench/lib/hosts/protocol.js';

function report(transactions: Record<string, number>): HostReport {
  return { transactions } as unknown as HostReport;
}

describe('benchmark transaction totals', () => {
  it('counts an empty receive once (it is a receive), and sums every other kind across hosts', () => {
    const t = totalTransactions([
      report({ send: 10, receive: 4, emptyReceive: 3, delete: 10, other: 1 }),
      report({ send: 5, receive: 2, emptyReceive: 2, delete: 5, other: 1 }),
    ]);
    expect(t.total).toBe(15 + 6 + 15 + 2);
    expect(t.byKind).toEqual({ send: 15, receive: 6, emptyReceive: 5, delete: 15, other: 2 });
  });
});
