/** Task outputs (reference §4.5) and file stashes (§4.6). */
import type { StashedFile } from '../wire/stash.js';

/** 32 KiB: UTF-8 JSON text strictly larger than this goes to a blob. */
export const OUTPUT_INLINE_THRESHOLD = 32 * 1024;

/** Defined beside the stash marker codec (the fields of a ready marker, reference §4.6). */
export type { StashedFile } from '../wire/stash.js';

/** A size-bounded look at an output (see `OutputStore.previewOutput`). */
export interface OutputPreview {
  /** UTF-8 text, cut at `maxBytes` (a split multi-byte character at the cut is dropped). */
  text: string;
  /** Whole size in bytes when known (inline refs; blobs read to the end). */
  bytes: number | null;
  truncated: boolean;
  /** `inline` (in the state blob) or the blob's name in the outputs container. */
  source: string;
}

export interface OutputStore {
  ensureResources(): Promise<void>;
  /** Store a task's output JSON text: inline ref (the text) up to 32 KiB, else `blob:<wf>/<task>.json`. Upload failure → OutputUploadError. */
  putOutput(workflowId: string, task: string, json: string): Promise<string>;
  /** Decode a ref: inline JSON, or download a `blob:` ref (legacy `blob:<name>:<md5>` tolerated); stash markers are left as objects for the caller. */
  fetchOutput(ref: string): Promise<unknown>;
  /**
   * The first `maxBytes` of an output's JSON text (inline or `blob:`), with its full size when known, so a
   * viewer never downloads a large output whole. A missing blob → OutputFetchError.
   */
  previewOutput(ref: string, maxBytes: number): Promise<OutputPreview>;
  /** Delete every output blob of a workflow (best effort). */
  deleteOutputs(workflowId: string): Promise<void>;
  /** Upload a local file to `workflow-files/<wf>/<task>/<filename>` in the file-output container, md5 streamed. */
  uploadFile(workflowId: string, task: string, localPath: string, filename: string): Promise<StashedFile>;
  /** Download a stashed file to `destPath`, verifying md5 and size (partial file deleted on mismatch). */
  downloadFile(file: StashedFile, destPath: string): Promise<void>;
  readFile(file: StashedFile): Promise<Buffer>;
  dropResources(): Promise<void>;
}
