import busboy from 'busboy';
import type { Request } from 'express';
import { ErrorCode } from '@conversation-hub/client-sdk/contract';
import { badField, badRequest, HubError } from '../domain/errors.js';

/** What a multipart upload held: its one file, whole, and its text fields. */
export interface ParsedUpload {
  bytes: Buffer;
  fileName: string | undefined;
  fields: Record<string, string>;
}

/**
 * Reads `multipart/form-data` with one `file` part of at most `maxBytes`. The limit is enforced
 * while streaming: past it the rest is read and dropped (so the client gets its answer rather
 * than a reset) and the upload is refused with `too_large` on field `file`.
 */
export function parseUpload(req: Request, maxBytes: number): Promise<ParsedUpload> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 1024, parts: 12 } });
    } catch {
      return reject(badRequest('the body must be multipart/form-data with a file part'));
    }
    const chunks: Buffer[] = [];
    const fields: Record<string, string> = {};
    let fileName: string | undefined;
    let seen = false;
    let failure: HubError | undefined;
    bb.on('file', (field, stream, info) => {
      if (field !== 'file' || seen) {
        failure ??= badField(field, 'one file part, named file, is expected');
        return void stream.resume();
      }
      seen = true;
      fileName = info.filename;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        failure ??= new HubError(ErrorCode.TooLarge, `file: larger than ${maxBytes} bytes`, { field: 'file', maxBytes });
      });
    });
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    bb.on('filesLimit', () => (failure ??= badField('file', 'one file per upload')));
    bb.on('error', () => reject(badRequest('the multipart body could not be read')));
    bb.on('close', () => {
      if (failure) return reject(failure);
      if (!seen) return reject(badField('file', 'a file part is required'));
      resolve({ bytes: Buffer.concat(chunks), fileName, fields });
    });
    req.pipe(bb);
  });
}
