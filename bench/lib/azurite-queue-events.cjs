'use strict';
/**
 * Preloaded into a benchmark's Azurite child (`node --require`, see queue-events.ts): records, in the
 * storage server itself, the moment a queue becomes non-empty (a message inserted into an empty queue)
 * and the moment it becomes empty (its last message deleted), as JSON lines appended to the file named
 * by JOBQ_BENCH_QUEUE_EVENTS. The whole-process coordinator figures read their "sink on its queue" and
 * "completion queue empty" instants from here instead of peek and count polls: on Azurite every peek
 * and every count scans every message in the account, so polls slowed the run they measured and saw
 * its end up to a poll interval late.
 *
 * Counts are kept per queue from the first operation seen on it (one count then), maintained on insert
 * and delete, and forgotten when the queue is cleared or deleted. Messages that expire are not seen
 * (the benchmarks' messages live for days).
 */
const { appendFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const out = process.env.JOBQ_BENCH_QUEUE_EVENTS;
if (out) {
  const file = join(
    dirname(require.resolve('azurite/package.json')),
    'dist/src/queue/persistence/LokiQueueMetadataStore.js',
  );
  const Store = require(file).default;
  const proto = Store.prototype;
  const counts = new Map();
  const key = (account, queue) => `${account}/${queue}`;
  const current = (store, account, queue) => {
    const k = key(account, queue);
    let n = counts.get(k);
    if (n === undefined) {
      n = store.db.getCollection(store.MESSAGES_COLLECTION).count({ accountName: account, queueName: queue });
      counts.set(k, n);
    }
    return n;
  };
  const emit = (event, account, queue) =>
    appendFileSync(out, `${JSON.stringify({ event, account, queue, t: Date.now() })}\n`);

  const insertMessage = proto.insertMessage;
  proto.insertMessage = async function (message, context) {
    const before = current(this, message.accountName, message.queueName);
    await insertMessage.call(this, message, context);
    counts.set(key(message.accountName, message.queueName), before + 1);
    if (before === 0) emit('nonempty', message.accountName, message.queueName);
  };
  const deleteMessage = proto.deleteMessage;
  proto.deleteMessage = async function (account, queue, ...rest) {
    const before = current(this, account, queue);
    await deleteMessage.call(this, account, queue, ...rest);
    counts.set(key(account, queue), Math.max(0, before - 1));
    if (before === 1) emit('empty', account, queue);
  };
  for (const name of ['clearMessages', 'deleteQueue']) {
    const original = proto[name];
    proto[name] = async function (account, queue, ...rest) {
      try {
        return await original.call(this, account, queue, ...rest);
      } finally {
        counts.delete(key(account, queue));
      }
    };
  }
}
