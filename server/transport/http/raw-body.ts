import type { IncomingMessage } from 'node:http';

/** The bytes of each JSON body as they came, for routes that check a signature over them (server/whatsapp/routes.ts). */
const raw = new WeakMap<IncomingMessage, Buffer>();

/** express.json's `verify`: keeps a reference to the buffer it parses (no copy). */
export const keepRawBody = (req: IncomingMessage, _res: unknown, buf: Buffer): void => void raw.set(req, buf);

export const rawBodyOf = (req: IncomingMessage): Buffer | undefined => raw.get(req);
