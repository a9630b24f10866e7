/**
 * `1234567` → `1,234,567` (en-US grouping) without ICU: the first `Intl.NumberFormat` of a process
 * loads locale data, ≈ 25 ms of CPU, which a coordinator paid for its one line at shutdown.
 */
export function groupDigits(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  const [int, frac] = String(Math.abs(n)).split('.');
  if (int.includes('e')) return String(n);
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${frac === undefined ? '' : `.${frac}`}`;
}
