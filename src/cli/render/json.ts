/** `--json` output, in a module of its own so light commands (`validate`) need not load cli/context.ts. */
import { redactSecrets } from '../../log.js';

/** Print JSON: 2-space indented (reference §7.4) with secrets redacted. */
export function printJson(value: unknown, opts: { compact?: boolean } = {}): void {
  const text = JSON.stringify(value, null, opts.compact ? undefined : 2);
  process.stdout.write(`${redactSecrets(text)}\n`);
}
