/**
 * StateStore over a BlobBucket (reference §4.3): definition blob written once, state blob under ETag
 * CAS, legacy `<id>.json` read fallback. Shared by the Azure and memory adapters.
 */
import type { EncodedStateDoc, StateStore, StoredWorkflow } from '../ports/state-store.js';
import type { DefinitionDocV1, StateDocV1 } from '../wire/docs.js';
import { encodeDoc, decodeDoc } from '../wire/blob-codec.js';
import { StateConflictError, WorkflowExistsError } from '../errors.js';
import { definitionBlobName, stateBlobName, legacyBlobName, LOCK_BLOB } from './names.js';
import { BlobConditionError, type BlobBucket, type BlobRead, type WriteCondition } from './blob-bucket.js';
import { checkDefinitionDoc, checkStateDoc, splitLegacyDoc } from './stored-docs.js';

const SUFFIXES = ['.def.bin', '.state.bin', '.json'] as const;

/** The workflow ID a blob name belongs to, or null for other blobs (the lock, strays). */
export function workflowIdOfBlob(name: string): string | null {
  if (name === LOCK_BLOB) return null;
  for (const s of SUFFIXES) if (name.endsWith(s) && name.length > s.length) return name.slice(0, -s.length);
  return null;
}

export class BlobStateStore implements StateStore {
  constructor(private readonly bucket: BlobBucket) {}

  ensureResources(): Promise<void> {
    return this.bucket.ensure();
  }

  async createWorkflow(def: DefinitionDocV1, state: StateDocV1): Promise<string> {
    const id = def.workflow_id;
    if (state.workflow_id !== id)
      throw new Error(`state workflow_id '${state.workflow_id}' != definition '${id}'`);
    try {
      await this.bucket.write(definitionBlobName(id), encodeDoc(def), { ifNoneMatch: '*' });
    } catch (err) {
      if (err instanceof BlobConditionError) {
        throw new WorkflowExistsError(`workflow ${id} already exists (choose another ID, or purge it first)`);
      }
      throw err;
    }
    // A legacy blob with this ID also means "exists": the def write above is the create-only gate.
    return this.writeState(state, { ifNoneMatch: '*' });
  }

  async load(workflowId: string): Promise<StoredWorkflow | null> {
    const [defBlob, stateBlob] = await Promise.all([
      this.bucket.read(definitionBlobName(workflowId)),
      this.bucket.read(stateBlobName(workflowId)),
    ]);
    if (defBlob) {
      const def = this.decodeDef(defBlob, workflowId);
      if (stateBlob)
        return { def, state: this.decodeState(stateBlob, workflowId), etag: stateBlob.etag, legacy: false };
      // Crash between the two submit writes: the state is the definition's initial state (etag '' = create-only).
      return { def, state: null, etag: '', legacy: false };
    }
    const legacyBlob = await this.bucket.read(legacyBlobName(workflowId));
    if (!legacyBlob) return null;
    const split = splitLegacyDoc(decodeDoc(legacyBlob.bytes, `legacy blob of ${workflowId}`), workflowId);
    if (stateBlob) {
      // A legacy workflow already flushed once by jobq: its state lives in the state blob.
      return {
        def: split.def,
        state: this.decodeState(stateBlob, workflowId),
        etag: stateBlob.etag,
        legacy: true,
      };
    }
    return { def: split.def, state: split.state, etag: '', legacy: true };
  }

  async loadDefinition(workflowId: string): Promise<DefinitionDocV1 | null> {
    const blob = await this.bucket.read(definitionBlobName(workflowId));
    if (blob) return this.decodeDef(blob, workflowId);
    const legacy = await this.bucket.read(legacyBlobName(workflowId));
    return legacy
      ? splitLegacyDoc(decodeDoc(legacy.bytes, `legacy blob of ${workflowId}`), workflowId).def
      : null;
  }

  async loadState(workflowId: string): Promise<{ state: StateDocV1; etag: string } | null> {
    const blob = await this.bucket.read(stateBlobName(workflowId));
    if (blob) return { state: this.decodeState(blob, workflowId), etag: blob.etag };
    const legacy = await this.bucket.read(legacyBlobName(workflowId));
    return legacy ? { state: splitLegacyDoc(decodeDoc(legacy.bytes), workflowId).state, etag: '' } : null;
  }

  async stateEtag(workflowId: string): Promise<string | null> {
    const etag = await this.bucket.etag(stateBlobName(workflowId));
    return etag ?? (await this.bucket.etag(legacyBlobName(workflowId)));
  }

  /** `etag` '' means "the state blob must not exist yet" (first flush after a partial submit or of a legacy workflow). */
  saveState(state: StateDocV1 | EncodedStateDoc, etag: string): Promise<string> {
    return this.writeState(state, etag === '' ? { ifNoneMatch: '*' } : { ifMatch: etag });
  }

  async deleteWorkflow(workflowId: string): Promise<boolean> {
    const names = [definitionBlobName(workflowId), stateBlobName(workflowId), legacyBlobName(workflowId)];
    const existed = await Promise.all(names.map((n) => this.bucket.delete(n)));
    return existed.some(Boolean);
  }

  async listWorkflowIds(): Promise<string[]> {
    const ids = new Set<string>();
    for (const name of await this.bucket.list()) {
      const id = workflowIdOfBlob(name);
      if (id) ids.add(id);
    }
    return [...ids].sort();
  }

  dropResources(): Promise<void> {
    return this.bucket.drop();
  }

  private async writeState(state: StateDocV1 | EncodedStateDoc, condition: WriteCondition): Promise<string> {
    const id = 'encoded' in state ? state.workflowId : state.workflow_id;
    const bytes = 'encoded' in state ? state.bytes : encodeDoc(state);
    try {
      return await this.bucket.write(stateBlobName(id), bytes, condition);
    } catch (err) {
      if (err instanceof BlobConditionError) {
        throw new StateConflictError(
          `workflow ${id} state blob etag mismatch (another writer saved it first)`,
        );
      }
      throw err;
    }
  }

  private decodeDef(blob: BlobRead, id: string): DefinitionDocV1 {
    return checkDefinitionDoc(decodeDoc(blob.bytes, `definition blob of ${id}`), id);
  }

  private decodeState(blob: BlobRead, id: string): StateDocV1 {
    return checkStateDoc(decodeDoc(blob.bytes, `state blob of ${id}`), id);
  }
}
