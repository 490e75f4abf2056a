import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AttachmentConfig } from '../config.js';
import { assertBlobId, type BlobStore } from './blob-store.js';

/**
 * S3-compatible blobs (HUB_S3_*), loaded on demand (server/parts/blobs.ts) so the SDK is only
 * read when it is used. Credentials come from the standard AWS environment (the SDK's own chain).
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(config: NonNullable<AttachmentConfig['s3']>) {
    this.bucket = config.bucket;
    this.client = new S3Client({ region: config.region, forcePathStyle: config.forcePathStyle, ...(config.endpoint ? { endpoint: config.endpoint } : {}) });
  }

  async put(id: string, bytes: Buffer, meta: { mimeType: string }): Promise<void> {
    assertBlobId(id);
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: id, Body: bytes, ContentType: meta.mimeType, ContentLength: bytes.length }));
  }

  async get(id: string) {
    assertBlobId(id);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: id }));
      if (!out.Body) return null;
      return { stream: out.Body as Readable, meta: { mimeType: out.ContentType ?? 'application/octet-stream', size: out.ContentLength ?? 0 } };
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
      throw err;
    }
  }

  async delete(id: string): Promise<void> {
    assertBlobId(id);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: id }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
