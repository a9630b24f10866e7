/** pino loggers with secret redaction; every line carries its context through child loggers. */
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

const SECRET_PATTERNS: [RegExp, string][] = [
  [/(AccountKey=)[^;'"\s]+/gi, '$1***'],
  [/(SharedAccessSignature=)[^;'"\s]+/gi, '$1***'],
  [/(SharedAccessKey=)[^;'"\s]+/gi, '$1***'],
  // SAS query strings: sig=..., also signed permission tokens in URLs
  [/([?&]sig=)[^&'"\s]+/gi, '$1***'],
];

/** Replace account keys, SAS signatures and Service Bus keys in a printable string. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [re, repl] of SECRET_PATTERNS) out = out.replace(re, repl);
  return out;
}

/** Deep-copy a JSON-able value with every string redacted (for `--json` output and banners). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}

const REDACT_PATHS = [
  'connectionString',
  '*.connectionString',
  '*.*.connectionString',
  'accountKey',
  '*.accountKey',
  'sas',
  '*.sas',
  'sasToken',
  '*.sasToken',
];

export interface CreateLoggerOptions {
  level?: string;
  /** Write to this fd (default 2: logs go to stderr so stdout stays for results). */
  fd?: number;
  name?: string;
}

/** The root logger. Strings are also scrubbed by a formatter so a key pasted into a message never leaks. */
export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const options: LoggerOptions = {
    name: opts.name ?? 'jobq',
    level: opts.level ?? process.env.JOBQ_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '***' },
    formatters: {
      log: (obj) => redactDeep(obj),
    },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)) as typeof args;
        return method.apply(this, scrubbed);
      },
    },
  };
  return pino(options, pino.destination({ fd: opts.fd ?? 2, sync: true }));
}

/** A logger that discards everything (tests, library use without logging). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
