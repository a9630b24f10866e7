/** DECISIONS §4.13: queue names in a definition must be creatable on their backend, checked at validate time. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { validateDefinition } from '../../../src/model/validate.js';
import { parseDefinitionText } from '../../../src/model/parse-text.js';
import {
  queueSpecProblem,
  serviceBusQueueNameProblem,
  storageQueueNameProblem,
  suggestStorageQueueName,
} from '../../../src/model/queue-names.js';
import { isJobqError } from '../../../src/errors.js';

function definitionError(yaml: string): string {
  try {
    validateDefinition(parseDefinitionText(yaml, 'wf.yaml'));
  } catch (err) {
    expect(isJobqError(err, 'DefinitionError')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected a DefinitionError');
}

const withQueue = (queue: string) =>
  `name: w\ntasks:\n  - name: a\n  - name: b\n    depends_on: [a]\n    queue: ${JSON.stringify(queue)}\n`;

describe('queue names in definitions', () => {
  it.each([
    ['My_Queue', 'Storage queue names must be lowercase', "(try 'my-queue')"],
    ['x', 'needs 3-56 characters, got 1', ''],
    ['Bad_Queue!!', 'must be lowercase', "(try 'bad-queue')"],
    ['my_queue', 'allow only lowercase letters, digits and \'-\', not "_"', "(try 'my-queue')"],
    ['a--b', "must not contain '--'", "(try 'a-b')"],
    ['-abc', 'must start and end with a letter or digit', "(try 'abc')"],
    ['abc-', 'must start and end with a letter or digit', "(try 'abc')"],
    ['q'.repeat(57), 'at most 56 characters', ''],
  ])('refuses task queue %j naming file, task index and task', (queue, problem, hint) => {
    const msg = definitionError(withQueue(queue));
    expect(msg).toMatch(/^tasks\[1\] \(b\): queue: '.*' is not a valid queue name: /);
    expect(msg).toContain(problem);
    if (hint) expect(msg).toContain(hint);
    expect(msg.split('\n')).toHaveLength(1);
  });

  it('refuses an invalid default_queue', () => {
    const msg = definitionError('name: w\ndefault_queue: MyQueue\ntasks:\n  - name: a\n');
    expect(msg).toBe(
      "default_queue: 'MyQueue' is not a valid queue name: Storage queue names must be lowercase (try 'myqueue')",
    );
  });

  it('checks the name part and the account of ACCOUNT/NAME', () => {
    expect(definitionError(withQueue('devstoreaccount1/Gpu'))).toContain('must be lowercase');
    expect(definitionError(withQueue('My-Account/gpu'))).toContain(
      "'My-Account' is not a storage account name",
    );
  });

  it('accepts valid Storage, ACCOUNT/NAME and Service Bus specs', () => {
    for (const q of [
      'gpu',
      'cpu-large-2',
      'q'.repeat(56),
      'devstoreaccount1/gpu',
      'myacct/gpu-jobs',
      'sb://myns/My_Queue.v2',
      'sb://myns.servicebus.windows.net/team/gpu',
      'sb://myns',
    ]) {
      expect(() => validateDefinition(parseDefinitionText(withQueue(q), 'wf.yaml')), q).not.toThrow();
    }
  });

  it('applies Service Bus rules to sb:// queue names', () => {
    expect(definitionError(withQueue('sb://myns/bad queue'))).toContain(
      `Service Bus queue names allow only letters, digits, '.', '-', '_' and '/', not " "`,
    );
    expect(definitionError(withQueue('sb://myns/_q'))).toContain('must start and end with a letter or digit');
    expect(definitionError(withQueue(`sb://myns/${'a'.repeat(254)}`))).toContain('at most 253 characters');
    expect(definitionError(withQueue('sb://9ns/q'))).toContain("'sb://9ns' is not a Service Bus namespace");
  });

  it('refuses connection strings and other URL schemes as queue specs', () => {
    expect(queueSpecProblem('https://acct.queue.core.windows.net/q')).toContain("only 'sb://' URLs");
    expect(queueSpecProblem('DefaultEndpointsProtocol=https;AccountKey=abc')).toContain('connection string');
  });
});

describe('queue naming rules', () => {
  const storageName = fc.stringMatching(/^[a-z0-9](?:-?[a-z0-9]){2,40}$/);

  it('accepts every lowercase/digit/single-hyphen name of 3-56 chars', () => {
    fc.assert(
      fc.property(storageName, (name) => {
        expect(storageQueueNameProblem(name)).toBeNull();
        expect(queueSpecProblem(name)).toBeNull();
      }),
    );
  });

  it('offers only suggestions that are themselves valid names', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), (name) => {
        const s = suggestStorageQueueName(name);
        if (s !== null) expect(storageQueueNameProblem(s)).toBeNull();
      }),
    );
  });

  it('Service Bus allows mixed case, dots, underscores and slashes inside', () => {
    expect(serviceBusQueueNameProblem('Team/Gpu_Jobs.v1')).toBeNull();
    expect(serviceBusQueueNameProblem('a//b')).toContain("'//'");
    expect(serviceBusQueueNameProblem('')).toContain('empty');
  });
});
