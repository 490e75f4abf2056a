import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { assertBlobId, type BlobStore } from './blob-store.js';

/**
 * Embedded mode's blobs: one file per id under `<dataDir>/attachments/`, with a `.type` file
 * beside it. Written to a temp file and renamed, so a reader never sees half a file.
 */
export class FileBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  async put(id: string, bytes: Buffer, meta: { mimeType: string }): Promise<void> {
    assertBlobId(id);
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${id}.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(join(this.dir, `${id}.type`), meta.mimeType);
    await writeFile(tmp, bytes);
    await rename(tmp, join(this.dir, id));
  }

  async get(id: string) {
    assertBlobId(id);
    const file = join(this.dir, id);
    // Opened now, so a delete after this answer cannot break the read.
    const handle = await open(file, 'r').catch(() => null);
    if (!handle) return null;
    const info = await handle.stat();
    const mimeType = await readFile(`${file}.type`, 'utf8').catch(() => 'application/octet-stream');
    return { stream: handle.createReadStream(), meta: { mimeType, size: info.size } };
  }

  async delete(id: string): Promise<void> {
    assertBlobId(id);
    await rm(join(this.dir, id), { force: true });
    await rm(join(this.dir, `${id}.type`), { force: true });
  }
}
