import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { FileBlobStore } from '../../server/attachments/file-blob-store.js';
import { PostgresBlobStore } from '../../server/attachments/pg-blob-store.js';
import { S3BlobStore } from '../../server/attachments/s3-blob-store.js';
import type { HubDatabase } from '../../server/persistence/create-database.js';
import { migratedDatabase, pgliteDatabase } from '../helpers/database.js';
import { blobStoreSuite } from '../conformance/blob-store.suite.js';
import { startFakeS3, type FakeS3 } from './fake-s3.js';

const dir = mkdtempSync(join(tmpdir(), 'hub-blobs-'));
blobStoreSuite('files in the data folder', {
  create: async () => new FileBlobStore(dir),
  teardown: async () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]); // every write was renamed into place
    rmSync(dir, { recursive: true, force: true });
  },
});

let database: HubDatabase | undefined;
blobStoreSuite('Postgres (PGlite)', {
  create: async () => new PostgresBlobStore((database = await migratedDatabase(pgliteDatabase)).db),
  teardown: async () => database?.close(),
});

let s3: FakeS3 | undefined;
blobStoreSuite('S3 (local fake)', {
  create: async () => {
    s3 = await startFakeS3('hub-attachments');
    process.env.AWS_ACCESS_KEY_ID = 'test-key';
    process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
    return new S3BlobStore({ bucket: 'hub-attachments', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true });
  },
  teardown: async () => {
    expect(s3?.refused).toEqual([]);
    await s3?.close();
  },
});

