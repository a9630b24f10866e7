import { describe, expect, it } from 'vitest';
import * as codes from '../../../src/engine/codes.js';

describe('state codes', () => {
  it('each numeric constant names the state at its index, so byte-encoded states decode correctly', () => {
    const pairs: [number, string][] = [
      [codes.PENDING, 'pending'],
      [codes.READY, 'ready'],
      [codes.READY_PENDING_BUDGET, 'ready_pending_budget'],
      [codes.RUNNING, 'running'],
      [codes.COMPLETED, 'completed'],
      [codes.FAILED, 'failed'],
      [codes.SKIPPED, 'skipped'],
      [codes.UPSTREAM_FAILED, 'upstream_failed'],
      [codes.CANCELLED, 'cancelled'],
    ];
    for (const [code, name] of pairs) {
      expect(codes.STATE_NAMES[code]).toBe(name);
      expect(codes.stateCode(name)).toBe(code);
    }
    expect(codes.stateCode('bogus')).toBe(-1);
  });
});
