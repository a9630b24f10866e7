/**
 * pino loggers with secret redaction; every line carries its context through child loggers.
 * pino itself is loaded on the first logger made, not when this module is imported: light CLI paths
 * (`--help`, `jobq task …`, `validate`) use `redactSecrets` without paying for pino (issue 16).
 */
import { createRequire } from 'node:module';
import type { Logger, LoggerOptions } from 'pino';
import type * as PinoModule from 'pino';

export type { Logger };

let pinoModule: typeof PinoModule | undefined;

/**
 * Set by the CLI bundle (scripts/bundle-cli.mjs): pino pre-bundled as one file beside the chunks
 * (scripts/pino-bundle.mjs), ≈ 20 ms quicker to load than node_modules/pino. Undefined elsewhere.
 */
declare const __JOBQ_PINO__: string | undefined;
const PINO_ID = typeof __JOBQ_PINO__ === 'string' ? __JOBQ_PINO__ : 'pino';

/** pino, required synchronously on first use (it is CommonJS, so `require` keeps `createLogger` sync). */
function loadPino(): typeof PinoModule {
  pinoModule ??= createRequire(import.meta.url)(PINO_ID) as typeof PinoModule;
  return pinoModule;
}

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

/** An Error as a log/JSON field: what `logger.error({ err })` must show. */
export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  code?: unknown;
  statusCode?: unknown;
  cause?: unknown;
  /** The inner errors of an AggregateError. */
  errors?: unknown[];
}

/** Nesting depth of `cause` chains kept (a self-referencing cause must not loop). */
const MAX_CAUSE_DEPTH = 5;

/**
 * An Error's message, stack, code and statusCode (and its `cause` chain), secrets redacted. Needed
 * because those fields are not enumerable and `redactDeep` would otherwise drop them; SDK errors also
 * carry request/response objects that must not be logged whole.
 */
export function serializeError(err: Error, depth = 0): SerializedError {
  const e = err as Error & { code?: unknown; statusCode?: unknown; errors?: unknown };
  const out: SerializedError = {
    type: e.constructor?.name && e.constructor.name !== 'Error' ? e.constructor.name : e.name || 'Error',
    message: redactSecrets(String(e.message)),
  };
  if (typeof e.stack === 'string') out.stack = redactSecrets(e.stack);
  if (e.code !== undefined) out.code = redactDeep(e.code);
  if (e.statusCode !== undefined) out.statusCode = e.statusCode;
  if (e.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    out.cause = e.cause instanceof Error ? serializeError(e.cause, depth + 1) : redactDeep(e.cause);
  }
  if (Array.isArray(e.errors) && depth < MAX_CAUSE_DEPTH) {
    out.errors = e.errors.map((x: unknown) =>
      x instanceof Error ? serializeError(x, depth + 1) : redactDeep(x),
    );
  }
  return out;
}

/**
 * Deep-copy a JSON-able value with every string redacted (for `--json` output, banners and log lines).
 * Errors become `SerializedError`s; a reference cycle becomes the string `[Circular]`.
 */
export function redactDeep<T>(value: T): T {
  return redactValue(value, new WeakSet()) as T;
}

function redactValue(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (!value || typeof value !== 'object') return value;
  if (value instanceof Error) return serializeError(value);
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => redactValue(v, seen));
    // toJSON objects (Date, Buffer, ...) keep the form JSON.stringify would give them.
    const json = (value as { toJSON?: unknown }).toJSON;
    if (typeof json === 'function') return redactValue((json as () => unknown).call(value), seen);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, seen);
    return out;
  } finally {
    // Only ancestors count as cycles: the same object twice side by side is copied twice.
    seen.delete(value);
  }
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

/**
 * Redact string arguments, and give an error logged without a message its redacted message (pino would
 * otherwise take `err.message` verbatim as the line's `msg`, after every redaction step).
 */
function scrubLogArgs(args: unknown[]): unknown[] {
  const scrubbed = args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a));
  const first = scrubbed[0];
  if (first instanceof Error) {
    return [{ err: first }, ...(scrubbed.length > 1 ? scrubbed.slice(1) : [redactSecrets(first.message)])];
  }
  const err = first && typeof first === 'object' ? (first as { err?: unknown }).err : undefined;
  if (scrubbed.length === 1 && err instanceof Error && !('msg' in (first as object))) {
    return [first, redactSecrets(err.message)];
  }
  return scrubbed;
}

/** The root logger. Strings are also scrubbed by a formatter so a key pasted into a message never leaks. */
export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const options: LoggerOptions = {
    name: opts.name ?? 'jobq',
    level: opts.level ?? process.env.JOBQ_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '***' },
    // The log formatter (redactDeep) has already turned errors into SerializedErrors; pino's own err
    // serializer would re-type them as 'Object' and fold their causes into the message.
    serializers: { err: (err: unknown) => err },
    formatters: {
      log: (obj) => redactDeep(obj),
    },
    hooks: {
      logMethod(args, method) {
        return method.apply(this, scrubLogArgs(args) as typeof args);
      },
    },
  };
  const { pino } = loadPino();
  return pino(options, pino.destination({ fd: opts.fd ?? 2, sync: true }));
}

/** A logger that discards everything (tests, library use without logging). */
export function silentLogger(): Logger {
  return loadPino().pino({ level: 'silent' });
}
