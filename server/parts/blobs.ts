import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { HubConfig } from '../config.js';
import type { BlobStore } from '../attachments/blob-store.js';
import { FileBlobStore } from '../attachments/file-blob-store.js';
import { PostgresBlobStore } from '../attachments/pg-blob-store.js';

/**
 * The attachment blob store for this hub: S3 when HUB_S3_BUCKET is set (the SDK loaded on
 * demand), else the data folder in embedded mode, else Postgres in cluster mode.
 */
export async function blobStoreFor(config: HubConfig, db: Kysely<any>): Promise<BlobStore> {
  const s3 = config.attachments?.s3;
  if (s3) return new (await import('../attachments/s3-blob-store.js')).S3BlobStore(s3);
  if (config.mode === 'embedded') return new FileBlobStore(join(config.dataDir, 'attachments'));
  return new PostgresBlobStore(db);
}
