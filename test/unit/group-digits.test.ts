/** `groupDigits` groups as `Intl.NumberFormat('en-US')` does, for the integers and decimals jobq prints. */
import { describe, expect, it } from 'vitest';
import { groupDigits } from '../../src/group-digits.js';

const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: 20 });

describe('groupDigits', () => {
  it('matches en-US grouping for integers of every length, negatives and decimals', () => {
    const values = [0, 7, 42, 999, 1000, 1001, 65_536, 999_999, 1_000_000, 1_234_567, 2 ** 31, 2 ** 53 - 1];
    for (let d = 1; d <= 15; d++) values.push(Number('9'.repeat(d)), Number(`1${'0'.repeat(d)}`));
    values.push(...values.filter((v) => v !== 0).map((v) => -v), 1234.5, 1_048_576.25, 0.5, -9876.125);
    for (const v of values) expect([v, groupDigits(v)]).toEqual([v, intl.format(v)]);
  });

  it('leaves what grouping does not apply to as String() prints it', () => {
    expect(groupDigits(NaN)).toBe('NaN');
    expect(groupDigits(Infinity)).toBe('Infinity');
    expect(groupDigits(1e21)).toBe('1e+21');
    expect(groupDigits(-0)).toBe('0');
  });
});
