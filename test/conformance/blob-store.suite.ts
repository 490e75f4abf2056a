import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../server/attachments/blob-store.js';

export interface BlobStoreFixture {
  create(): Promise<BlobStore>;
  teardown(): Promise<void>;
}

const newId = () => `att_${randomBytes(16).toString('hex')}`;

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** One behaviour for every BlobStore (server/attachments/): files, Postgres, S3. */
export function blobStoreSuite(name: string, fixture: BlobStoreFixture): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let store: BlobStore;
    beforeAll(async () => {
      store = await fixture.create();
    });
    afterAll(async () => {
      await store.close?.();
      await fixture.teardown();
    });

    it('gives back exactly the bytes and type it was given', async () => {
      const id = newId();
      const bytes = randomBytes(300_000);
      await store.put(id, bytes, { mimeType: 'image/png' });
      const got = await store.get(id);
      expect(got?.meta).toEqual({ mimeType: 'image/png', size: bytes.length });
      expect((await bytesOf(got!.stream)).equals(bytes)).toBe(true);
    });

    it('answers null for an id it never stored', async () => {
      expect(await store.get(newId())).toBeNull();
    });

    it('forgets what it deleted, and deleting twice is no error', async () => {
      const id = newId();
      await store.put(id, Buffer.from('hello'), { mimeType: 'text/plain' });
      await store.delete(id);
      expect(await store.get(id)).toBeNull();
      await expect(store.delete(id)).resolves.toBeUndefined();
    });

    it('keeps each id apart, and an empty file is a file', async () => {
      const [a, b] = [newId(), newId()];
      await store.put(a, Buffer.from('a-bytes'), { mimeType: 'text/plain' });
      await store.put(b, Buffer.alloc(0), { mimeType: 'application/pdf' });
      expect((await bytesOf((await store.get(a))!.stream)).toString()).toBe('a-bytes');
      const empty = await store.get(b);
      expect(empty?.meta).toEqual({ mimeType: 'application/pdf', size: 0 });
      expect(await bytesOf(empty!.stream)).toHaveLength(0);
    });

    it('refuses ids the hub did not make (no paths, no keys of a client)', async () => {
      await expect(store.put('../../etc/passwd', Buffer.from('x'), { mimeType: 'text/plain' })).rejects.toThrow(/not a blob id/);
      await expect(store.get('att_../x')).rejects.toThrow(/not a blob id/);
    });
  });
}
