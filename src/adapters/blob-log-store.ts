/** TaskLogStore over a BlobBucket (the outputs container); shared by the Azure and memory adapters. */
import type { TaskLogStore } from '../ports/task-log-store.js';
import { decodeTaskLog, encodeTaskLog, type TaskLogDoc } from '../wire/task-log.js';
import { OutputFetchError } from '../errors.js';
import { attemptOfLogBlob, taskLogBlobName, taskLogsPrefix } from './names.js';
import type { BlobBucket } from './blob-bucket.js';

export class BlobTaskLogStore implements TaskLogStore {
  constructor(private readonly bucket: BlobBucket) {}

  ensureResources(): Promise<void> {
    return this.bucket.ensure();
  }

  async write(doc: TaskLogDoc): Promise<void> {
    await this.bucket.write(taskLogBlobName(doc.workflow_id, doc.task, doc.attempt), encodeTaskLog(doc));
  }

  async read(workflowId: string, task: string, attempt: number): Promise<TaskLogDoc | null> {
    const name = taskLogBlobName(workflowId, task, attempt);
    const blob = await this.bucket.read(name);
    if (!blob) return null;
    try {
      return decodeTaskLog(blob.bytes, `${this.bucket.container}/${name}`);
    } catch (err) {
      throw new OutputFetchError((err as Error).message, { cause: err });
    }
  }

  async attempts(workflowId: string, task: string): Promise<number[]> {
    const prefix = `${taskLogsPrefix(workflowId)}${task}/`;
    const found: number[] = [];
    // A task `a/b` also lists under `a/`: only `attempt-<n>.log.gz` directly below counts.
    for (const name of await this.bucket.list(prefix)) {
      const n = attemptOfLogBlob(name.slice(prefix.length));
      if (n !== null) found.push(n);
    }
    return found.sort((a, b) => a - b);
  }

  async deleteLogs(workflowId: string): Promise<number> {
    const names = await this.bucket.list(taskLogsPrefix(workflowId));
    const gone = await Promise.all(names.map((n) => this.bucket.delete(n).catch(() => false)));
    return gone.filter(Boolean).length;
  }
}
