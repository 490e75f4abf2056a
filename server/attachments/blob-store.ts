import type { Readable } from 'node:stream';

/*
 * Where attachment bytes live (PROTOCOL.md §1.7.5): one port, three implementations run against
 * one conformance suite (test/conformance/blob-store.test.ts): files in the data folder
 * (embedded), Postgres (cluster), S3-compatible storage (HUB_S3_*, loaded on demand).
 * Ids are made by the hub (random), never taken from a client, so they are safe as file names and keys.
 */

export interface BlobMeta {
  mimeType: string;
  size: number;
}

export interface BlobStore {
  /** Stores the bytes under `id`, whole or not at all. */
  put(id: string, bytes: Buffer, meta: { mimeType: string }): Promise<void>;
  /** The bytes and what they are, or null when there are none. */
  get(id: string): Promise<{ stream: Readable; meta: BlobMeta } | null>;
  /** Removes them; no error when there were none. */
  delete(id: string): Promise<void>;
  close?(): Promise<void>;
}

/** A blob id: what the hub makes (`att_` and 32 hex digits); anything else is never a key. */
export const BLOB_ID = /^att_[0-9a-f]{32}$/;

export function assertBlobId(id: string): void {
  if (!BLOB_ID.test(id)) throw new Error(`not a blob id: ${JSON.stringify(id)}`);
}
