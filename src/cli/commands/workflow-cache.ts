import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { printJson, withContext, type CliContext, type GlobalArgs } from '../context.js';
import type { TaskCacheEntry } from '../../ports/task-cache.js';

interface CacheArgs extends GlobalArgs {
  action: string;
  key?: string;
  'older-than'?: string;
  all?: boolean;
  json?: boolean;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `90s`, `30m`, `12h`, `7d`, `2w` (or plain seconds) → seconds. */
export function parseAge(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/i.exec(text.trim());
  if (!m)
    throw new UsageError(`--older-than must be a duration such as 90s, 30m, 12h, 7d or 2w, got '${text}'.`);
  return Number(m[1]) * UNITS[(m[2] || 's').toLowerCase()];
}

function outputBytes(e: TaskCacheEntry): number {
  return e.output === null ? 0 : Buffer.byteLength(e.output, 'utf8');
}

function summary(e: TaskCacheEntry) {
  return {
    key: e.key,
    created_at: e.createdAt,
    source: `${e.source.workflowId}/${e.source.task}/${e.source.attempt}`,
    output_bytes: outputBytes(e),
  };
}

async function list(ctx: CliContext, a: CacheArgs): Promise<void> {
  const entries = await ctx.backend.cache.list();
  if (a.json) return printJson(entries.map(summary));
  if (entries.length === 0) return ctx.term.note(`No cache entries in ${ctx.label}.`);
  for (const e of entries.sort((x, y) => x.createdAt.localeCompare(y.createdAt))) {
    const s = summary(e);
    ctx.term.print(`${s.key.slice(0, 16)}  ${s.created_at}  ${s.source}  ${s.output_bytes} B`);
  }
  ctx.term.note(`${entries.length} cache entr${entries.length === 1 ? 'y' : 'ies'}`);
}

async function show(ctx: CliContext, a: CacheArgs): Promise<number> {
  if (!a.key) throw new UsageError('cache show needs a KEY (see `jobq workflow cache list`).');
  const key = a.key.toLowerCase();
  let entry = /^[0-9a-f]{64}$/.test(key) ? await ctx.backend.cache.get(key) : null;
  if (!entry && /^[0-9a-f]{4,63}$/.test(key)) {
    const matches = (await ctx.backend.cache.list()).filter((e) => e.key.startsWith(key));
    if (matches.length > 1)
      throw new UsageError(`cache key prefix '${key}' matches ${matches.length} entries.`);
    entry = matches[0] ?? null;
  }
  if (!entry) {
    ctx.term.note(`No cache entry ${key} in ${ctx.label}.`);
    return 1;
  }
  if (a.json) printJson({ ...summary(entry), output: entry.output });
  else {
    const s = summary(entry);
    ctx.term.print(
      `key:        ${s.key}\ncreated_at: ${s.created_at}\nsource:     ${s.source}\noutput:     ${entry.output ?? '(none)'}`,
    );
  }
  return 0;
}

async function purge(ctx: CliContext, a: CacheArgs): Promise<void> {
  if (a['older-than'] === undefined && !a.all && !a.key)
    throw new UsageError('cache purge needs --older-than D, a KEY, or --all.');
  const { purgeCacheEntries } = await import('../../client/task-cache.js');
  const { deleted, kept } = await purgeCacheEntries(
    ctx.backend.cache,
    {
      olderThanS: a['older-than'] === undefined ? null : parseAge(a['older-than']),
      keyPrefix: a.key ?? null,
    },
    Date.now(),
  );
  if (a.json) printJson({ deleted, kept });
  else ctx.term.print(`Deleted ${deleted} cache entr${deleted === 1 ? 'y' : 'ies'}; ${kept} kept.`);
}

/** `jobq workflow cache list|show|purge`: the memoized task results of a prefix. */
export const cacheCommand: CommandModule = {
  command: 'cache <action> [key]',
  describe: 'Memoized task results (cache: tasks): list, show KEY, purge [--older-than D | KEY | --all]',
  builder: (y) =>
    y
      .positional('action', { type: 'string', choices: ['list', 'show', 'purge'], describe: 'What to do' })
      .positional('key', { type: 'string', describe: 'Cache key (or a unique prefix of it)' })
      .option('older-than', {
        type: 'string',
        describe: 'purge: only entries older than this (90s, 30m, 12h, 7d, 2w)',
      })
      .option('all', { type: 'boolean', default: false, describe: 'purge: every entry' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' })
      .example('$0 workflow cache list', 'one line per entry: key, when, source workflow/task/attempt, size')
      .example('$0 workflow cache purge --older-than 7d', 'drop results recorded more than a week ago'),
  handler: async (raw) => {
    const a = raw as unknown as CacheArgs;
    if (a['older-than'] !== undefined) parseAge(a['older-than']);
    const code = await withContext(a, { action: 'Cache', quiet: a.json }, async (ctx) => {
      if (a.action === 'list') await list(ctx, a);
      else if (a.action === 'show') return show(ctx, a);
      else await purge(ctx, a);
      return 0;
    });
    if (code) process.exitCode = code;
  },
};
