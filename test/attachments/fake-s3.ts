import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A local S3-compatible store for PutObject, GetObject and DeleteObject with path-style addressing
 * (`/{bucket}/{key}`). It does not verify SigV4, but refuses a request without its Authorization
 * header (recorded in `refused`, which a test expects empty). Errors are S3's XML errors.
 */

export interface FakeS3 {
  endpoint: string;
  objects: Map<string, { bytes: Buffer; contentType: string }>;
  refused: string[];
  close(): Promise<void>;
}

function xmlError(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

export async function startFakeS3(bucket: string): Promise<FakeS3> {
  const objects = new Map<string, { bytes: Buffer; contentType: string }>();
  const refused: string[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const [, b, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const fail = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'content-type': 'application/xml' }).end(xmlError(code, message));
    };
    if (!req.headers.authorization?.startsWith('AWS4-HMAC-SHA256 ')) {
      refused.push(`${req.method} ${url.pathname}: no SigV4 Authorization header`);
      return fail(403, 'AccessDenied', 'Missing Authorization');
    }
    if (b !== bucket) return fail(404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (req.method === 'PUT') {
      objects.set(key, { bytes: decodeChunked(Buffer.concat(chunks), req.headers), contentType: String(req.headers['content-type'] ?? 'binary/octet-stream') });
      return void res.writeHead(200, { etag: '"fake"' }).end();
    }
    if (req.method === 'GET') {
      const o = objects.get(key);
      if (!o) return fail(404, 'NoSuchKey', 'The specified key does not exist.');
      return void res.writeHead(200, { 'content-type': o.contentType, 'content-length': String(o.bytes.length) }).end(o.bytes);
    }
    if (req.method === 'DELETE') {
      objects.delete(key);
      return void res.writeHead(204).end();
    }
    fail(405, 'MethodNotAllowed', 'not supported by the fake');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The SDK may send `aws-chunked` bodies (each chunk `<hex size>;chunk-signature=…\r\n<data>\r\n`): the data without the framing. */
function decodeChunked(body: Buffer, headers: Record<string, string | string[] | undefined>): Buffer {
  if (!String(headers['content-encoding'] ?? '').includes('aws-chunked')) return body;
  const out: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!size) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}
