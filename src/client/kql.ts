/**
 * The Application Insights query of the reference's `logs` command (reference §7.4), for workers that
 * ship their logs there (`APPLICATIONINSIGHTS_CONNECTION_STRING`). Pure: needs no storage.
 */
import { UsageError } from '../errors.js';

export interface KqlOptions {
  workflowId: string;
  task?: string;
  /** KQL timespan, e.g. `1h`, `30m`, `2d` (default `1h`). */
  since?: string;
  /** Table to query (default `traces`). */
  table?: string;
}

const TIMESPAN = /^\d+(\.\d+)?(d|h|m|s|ms)$/;
const TABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A KQL string literal (double-quoted, backslash escapes). */
function kqlString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The query text; a bad `since` or `table` is a UsageError saying what to type instead. */
export function kqlQuery(o: KqlOptions): string {
  const since = o.since ?? '1h';
  const table = o.table ?? 'traces';
  if (!TIMESPAN.test(since))
    throw new UsageError(`--since must be a KQL timespan such as 30m, 1h or 2d, got '${since}'.`);
  if (!TABLE.test(table))
    throw new UsageError(`--table must be a table name such as traces, got '${table}'.`);
  const lines = [
    table,
    `| where timestamp > ago(${since})`,
    `| where tostring(customDimensions.workflow_id) == ${kqlString(o.workflowId)}`,
  ];
  if (o.task !== undefined)
    lines.push(`| where tostring(customDimensions.task_name) == ${kqlString(o.task)}`);
  lines.push(
    '| project timestamp, severityLevel, workflow_id = tostring(customDimensions.workflow_id), ' +
      'task_name = tostring(customDimensions.task_name), message',
    '| order by timestamp asc',
  );
  return lines.join('\n');
}

/** The two comment lines printed on stderr beside the query. */
export const KQL_HINT = [
  '// Paste this query into Application Insights → Logs (or Log Analytics).',
  '// Workers ship their logs there only with APPLICATIONINSIGHTS_CONNECTION_STRING set.',
];
