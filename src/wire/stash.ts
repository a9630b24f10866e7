/**
 * File-stash markers `__jobq_stash__` v1 (reference §4.6). A task output may contain pending markers
 * (written by the task: "upload this local file"); the worker uploads each file and rewrites the marker
 * to a ready marker; consumers decode ready markers into `BlobStash` objects.
 */
/** An uploaded file in the file-output container: the fields of a ready marker. */
export interface StashedFile {
  blob_name: string;
  md5: string;
  size: number;
}

export const STASH_KEY = '__jobq_stash__';
export const STASH_VERSION = 1;

export interface PendingStashBody {
  v: 1;
  state: 'pending';
  local_path: string;
  filename: string;
}
export interface ReadyStashBody {
  v: 1;
  state: 'ready';
  blob_name: string;
  md5: string;
  size: number;
}
export type StashMarker = { [STASH_KEY]: PendingStashBody | ReadyStashBody };

/** Raised for a malformed marker, an unknown version/state, or a pending marker reaching a consumer. */
export class StashMarkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StashMarkerError';
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A marker is an object whose only key is `__jobq_stash__`. */
export function isStashMarker(value: unknown): value is StashMarker {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === STASH_KEY;
}

/** Build the pending marker a task writes for a local file. */
export function pendingMarker(localPath: string, filename: string): StashMarker {
  return { [STASH_KEY]: { v: 1, state: 'pending', local_path: localPath, filename } };
}

/** Build the ready marker the worker writes after uploading. */
export function readyMarker(file: StashedFile): StashMarker {
  return { [STASH_KEY]: { v: 1, state: 'ready', blob_name: file.blob_name, md5: file.md5, size: file.size } };
}

/** A decoded ready marker: a reference to an uploaded file. Serialises back to its ready marker. */
export class BlobStash implements StashedFile {
  constructor(
    readonly blob_name: string,
    readonly md5: string,
    readonly size: number,
  ) {}
  toJSON(): StashMarker {
    return readyMarker(this);
  }
}

/** One pending marker found in an output; `resolve` rewrites it in place into a ready marker. */
export interface PendingStashSlot {
  readonly marker: PendingStashBody;
  resolve(file: StashedFile): void;
}

function checkBody(body: unknown): PendingStashBody | ReadyStashBody {
  if (!isPlainObject(body)) throw new StashMarkerError(`${STASH_KEY} marker body must be an object`);
  if (body.v !== STASH_VERSION)
    throw new StashMarkerError(`unsupported ${STASH_KEY} version: ${JSON.stringify(body.v)}`);
  if (body.state === 'pending') {
    if (typeof body.local_path !== 'string' || typeof body.filename !== 'string') {
      throw new StashMarkerError(`pending ${STASH_KEY} marker needs string local_path and filename`);
    }
    return body as unknown as PendingStashBody;
  }
  if (body.state === 'ready') {
    if (typeof body.blob_name !== 'string' || typeof body.md5 !== 'string' || typeof body.size !== 'number') {
      throw new StashMarkerError(`ready ${STASH_KEY} marker needs blob_name, md5 and size`);
    }
    return body as unknown as ReadyStashBody;
  }
  throw new StashMarkerError(`unknown ${STASH_KEY} state: ${JSON.stringify(body.state)}`);
}

/**
 * Every pending marker in a parsed output JSON value, each with a slot that rewrites the marker object
 * in place (so a top-level marker works too) into a ready marker once the file is uploaded.
 */
export function walkPendingMarkers(json: unknown): PendingStashSlot[] {
  const found: PendingStashSlot[] = [];
  const visit = (node: unknown): void => {
    if (isStashMarker(node)) {
      const body = checkBody(node[STASH_KEY]);
      if (body.state === 'pending') {
        found.push({ marker: body, resolve: (file) => (node[STASH_KEY] = readyMarker(file)[STASH_KEY]) });
      }
      return;
    }
    if (Array.isArray(node)) node.forEach(visit);
    else if (isPlainObject(node)) Object.values(node).forEach(visit);
  };
  visit(json);
  return found;
}

/**
 * Decode markers in a value for a consumer: ready markers become `BlobStash` objects; a pending marker
 * (leaked downstream), an unknown version or state is an error. Returns a new value; input untouched.
 */
export function decodeStashMarkers(value: unknown): unknown {
  if (isStashMarker(value)) {
    const body = checkBody(value[STASH_KEY]);
    if (body.state === 'pending') {
      throw new StashMarkerError(
        `pending ${STASH_KEY} marker leaked downstream (file '${body.filename}' was never uploaded)`,
      );
    }
    return new BlobStash(body.blob_name, body.md5, body.size);
  }
  if (Array.isArray(value)) return value.map(decodeStashMarkers);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = decodeStashMarkers(v);
    return out;
  }
  return value;
}
