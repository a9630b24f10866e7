/**
 * Queue specs in a definition (`name`, `account/name`, `sb://namespace[/name]`, reference §4.9) checked
 * against the naming rules of the service that will hold them (DECISIONS §4.13), so a bad name fails
 * at validate/submit instead of stalling the coordinator when it creates the queue.
 *
 * Every task queue also gets a dead-letter queue `<name>-failed` on the same backend (reference §4.1),
 * so the base name must leave room for that suffix.
 */

/** Suffix of the dead-letter queue of every task queue. */
export const DEAD_LETTER_SUFFIX = '-failed';
/** Azure Storage Queue names: 3–63 characters. */
export const STORAGE_QUEUE_NAME_MIN = 3;
export const STORAGE_QUEUE_NAME_MAX = 63;
/** Longest Storage task-queue name whose `<name>-failed` still fits (56). */
export const STORAGE_TASK_QUEUE_NAME_MAX = STORAGE_QUEUE_NAME_MAX - DEAD_LETTER_SUFFIX.length;
/** Service Bus queue (entity path) names: up to 260 characters. */
export const SERVICE_BUS_QUEUE_NAME_MAX = 260;
/** Longest Service Bus task-queue name whose `<name>-failed` still fits (253). */
export const SERVICE_BUS_TASK_QUEUE_NAME_MAX = SERVICE_BUS_QUEUE_NAME_MAX - DEAD_LETTER_SUFFIX.length;

/** Lowercase letters, digits and single hyphens, starting and ending with a letter or digit. */
const STORAGE_QUEUE_NAME = /^[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;
/** Storage account names (what `parseAccount` accepts in a queue spec; `devstoreaccount1` fits too). */
const STORAGE_ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
/** Letters, digits, `.`, `-`, `_` and `/`, starting and ending with a letter or digit. */
const SERVICE_BUS_QUEUE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?$/;
/** A namespace, or its host name (`ns.servicebus.windows.net`). */
const SERVICE_BUS_NAMESPACE = /^[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*$/;

/** Why `name` cannot be an Azure Storage task queue, or null if it can. */
export function storageQueueNameProblem(name: string): string | null {
  if (name.length < STORAGE_QUEUE_NAME_MIN) {
    return `a Storage queue name needs ${STORAGE_QUEUE_NAME_MIN}-${STORAGE_TASK_QUEUE_NAME_MAX} characters, got ${name.length}`;
  }
  if (name.length > STORAGE_TASK_QUEUE_NAME_MAX) {
    return (
      `a Storage queue name may have at most ${STORAGE_TASK_QUEUE_NAME_MAX} characters (its dead-letter queue ` +
      `'<name>${DEAD_LETTER_SUFFIX}' must fit in ${STORAGE_QUEUE_NAME_MAX}), got ${name.length}`
    );
  }
  if (STORAGE_QUEUE_NAME.test(name)) return null;
  if (/[A-Z]/.test(name)) return 'Storage queue names must be lowercase';
  if (name.includes('--')) return "Storage queue names must not contain '--'";
  const bad = /[^a-z0-9-]/.exec(name);
  if (bad)
    return `Storage queue names allow only lowercase letters, digits and '-', not ${JSON.stringify(bad[0])}`;
  return 'Storage queue names must start and end with a letter or digit';
}

/** Why `name` cannot be a Service Bus task queue, or null if it can. */
export function serviceBusQueueNameProblem(name: string): string | null {
  if (name.length === 0) return 'the Service Bus queue name is empty';
  if (name.length > SERVICE_BUS_TASK_QUEUE_NAME_MAX) {
    return (
      `a Service Bus queue name may have at most ${SERVICE_BUS_TASK_QUEUE_NAME_MAX} characters (its dead-letter ` +
      `queue '<name>${DEAD_LETTER_SUFFIX}' must fit in ${SERVICE_BUS_QUEUE_NAME_MAX}), got ${name.length}`
    );
  }
  if (SERVICE_BUS_QUEUE_NAME.test(name) && !name.includes('//')) return null;
  const bad = /[^A-Za-z0-9._/-]/.exec(name);
  if (bad) {
    return `Service Bus queue names allow only letters, digits, '.', '-', '_' and '/', not ${JSON.stringify(bad[0])}`;
  }
  if (name.includes('//')) return "Service Bus queue names must not contain '//'";
  return 'Service Bus queue names must start and end with a letter or digit';
}

/** A valid Storage queue name close to `name` (`My_Queue` → `my-queue`), or null if none is obvious. */
export function suggestStorageQueueName(name: string): string | null {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, STORAGE_TASK_QUEUE_NAME_MAX)
    .replace(/-+$/, '');
  return s !== name && storageQueueNameProblem(s) === null ? s : null;
}

function serviceBusSpecProblem(spec: string): string | null {
  const rest = spec.slice('sb://'.length).replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  if (!SERVICE_BUS_NAMESPACE.test(host)) {
    return `'sb://${host}' is not a Service Bus namespace (letters, digits and '-', starting with a letter)`;
  }
  // `sb://ns` alone names the queue after the namespace (reference §4.9).
  const name = slash < 0 ? host.split('.')[0] : rest.slice(slash + 1);
  return serviceBusQueueNameProblem(name);
}

/** Which service a bare queue name (no account, no `sb://`) lives on. */
export type BareQueueBackend = 'storage' | 'service-bus';

/**
 * Why the queue spec `spec` cannot name a task queue, or null if it can: a bare name and the name part
 * of `account/name` follow Azure Storage Queue rules, `sb://namespace/name` follows Service Bus rules.
 * Definitions hold bare names to Storage rules (the default `bare`), so one definition works on either
 * backend; a worker that knows its default backend is Service Bus passes `'service-bus'`.
 */
export function queueSpecProblem(spec: string, bare: BareQueueBackend = 'storage'): string | null {
  if (spec === '') return 'the queue name is empty';
  if (spec.trim() !== spec) return 'the queue name has leading or trailing whitespace';
  if (spec.startsWith('sb://')) return serviceBusSpecProblem(spec);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    return "only 'sb://' URLs are queue specs; use NAME, ACCOUNT/NAME or sb://NAMESPACE/NAME";
  }
  if (/AccountKey=|SharedAccessSignature=|Endpoint=/i.test(spec)) {
    return 'a connection string is not a queue spec; use ACCOUNT/NAME and set the account with --queues';
  }
  const slash = spec.lastIndexOf('/');
  if (slash < 0) return bare === 'storage' ? storageQueueNameProblem(spec) : serviceBusQueueNameProblem(spec);
  const account = spec.slice(0, slash);
  if (!STORAGE_ACCOUNT_NAME.test(account)) {
    return `'${account}' is not a storage account name (3-24 lowercase letters and digits) in ACCOUNT/NAME`;
  }
  return storageQueueNameProblem(spec.slice(slash + 1));
}
