import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';
import type { Logger } from 'pino';

/**
 * The browser pages (PROTOCOL.md §6.4), built ahead of time by `npm run build` (scripts/build.ts)
 * into a folder this module only reads: `GET /` the webchat widget demo, `GET /agent` the agent
 * desk, `GET /assets/<name>-<hash>.js|css` their bundles (cached for a year), and `GET /webchat.js`,
 * the widget's stable embed URL for other sites (cached for five minutes; it loads the hashed files).
 * Scripts and styles may be loaded from any origin (they are public); the pages keep a strict CSP.
 * Without a build the pages answer 503 naming `npm run build`, logged once; the folder is looked
 * at again (at most once a second) until a build appears. Nothing here runs a bundler.
 */

/**
 * `dist/public/` at the repository's root, where `npm run build` writes: from this source file
 * (server/transport/http/) or from its compiled copy (dist/server/server/transport/http/, run by
 * `npm run start:prod` and the Docker image).
 */
export const defaultPagesDir = fileURLToPath(
  new URL(`${import.meta.url.includes('/dist/server/server/') ? '../../../../../' : '../../../'}dist/public/`, import.meta.url),
);

interface File {
  body: Buffer;
  type: string;
}

interface Built {
  pages: Map<string, File>;
  assets: Map<string, File>;
  embed: File;
}

/** The part of scripts/build.ts's manifest.json this module reads. */
interface Manifest {
  version: number;
  pages: Record<string, string>;
  embed: string;
  files: Record<string, number>;
}

const pagePaths = ['/', '/agent'] as const;
const RECHECK_MS = 1_000;

const types: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** Reads a build; throws with what is wrong when it is missing or incomplete. */
export async function loadPages(dir: string): Promise<Built> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  if (manifest.version !== 1 || !manifest.files || !manifest.embed || pagePaths.some((p) => !manifest.pages?.[p])) {
    throw new Error(`${join(dir, 'manifest.json')} is not a page build this hub knows`);
  }
  const files = new Map<string, File>();
  for (const name of Object.keys(manifest.files)) {
    const ext = name.slice(name.lastIndexOf('.'));
    files.set(name, { body: await readFile(join(dir, name)), type: types[ext] ?? 'application/octet-stream' });
  }
  const pick = (name: string): File => {
    const f = files.get(name);
    if (!f) throw new Error(`${name} is missing from ${join(dir, 'manifest.json')}`);
    return f;
  };
  const assets = new Map<string, File>();
  for (const [name, f] of files) if (name.startsWith('assets/') && name.indexOf('/', 7) < 0) assets.set(name.slice(7), f);
  return { pages: new Map(pagePaths.map((p) => [p, pick(manifest.pages[p]!)])), assets, embed: pick(manifest.embed) };
}

/**
 * `app.use(await pageRoutes(log))`: never throws. `opts.dir` is the built folder (default
 * `dist/public/` next to the repository); `opts.recheckMs` how often a missing build is looked for.
 */
export async function pageRoutes(log: Logger, opts: { dir?: string; recheckMs?: number } = {}): Promise<Router> {
  const dir = opts.dir ?? defaultPagesDir;
  const recheckMs = opts.recheckMs ?? RECHECK_MS;
  let built: Built | undefined;
  let checkedAt = 0;
  let warned = false;

  /** The build, reading the folder when there was none (at most once a second). */
  const current = async (): Promise<Built | undefined> => {
    if (built || Date.now() - checkedAt < recheckMs) return built;
    checkedAt = Date.now();
    try {
      built = await loadPages(dir);
      if (warned) log.info({ dir }, 'page build found; / and /agent are served');
    } catch (err) {
      if (!warned) {
        warned = true;
        const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not built' : (err as Error).message;
        log.warn({ dir, reason }, 'the browser pages are not built (run npm run build); / and /agent answer 503, the API and sockets are unaffected');
      }
    }
    return built;
  };
  await current();

  const r = Router();
  const unavailable = (res: Response) =>
    void res
      .status(503)
      .type('text/plain; charset=utf-8')
      .set('Cache-Control', 'no-store')
      .send('This page is not built: run `npm run build` on the hub (`npm start` builds it when needed). The API and sockets are unaffected.\n');

  for (const path of pagePaths) {
    r.get(path, async (_req, res) => {
      securityHeaders(res);
      const b = await current();
      if (!b) return unavailable(res);
      // The page names hashed assets: always revalidate it (the ETag makes that cheap).
      res.set('Cache-Control', 'no-cache').type(b.pages.get(path)!.type).send(b.pages.get(path)!.body);
    });
  }

  r.get('/webchat.js', async (_req, res) => {
    const b = await current();
    if (!b) return unavailable(res);
    // A stable URL other sites embed: short-lived, so a new build reaches them within minutes.
    publicScript(res).set('Cache-Control', 'public, max-age=300').type(b.embed.type).send(b.embed.body);
  });

  r.get('/assets/:name', async (req, res, next) => {
    const b = await current();
    if (!b) return unavailable(res);
    const asset = b.assets.get(req.params.name);
    if (!asset) return next();
    publicScript(res).set('Cache-Control', 'public, max-age=31536000, immutable').type(asset.type).send(asset.body);
  });

  return r;
}

/** Scripts and styles any site may load (module scripts are fetched with CORS). */
function publicScript(res: Response): Response {
  return res.set({
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'X-Content-Type-Options': 'nosniff',
  });
}

function securityHeaders(res: Response): void {
  res.set({
    // Scripts and styles only from the hub; sockets to the hub ('self' covers ws: and wss: of this origin);
    // blob: images are attachments the page fetched with its token (PROTOCOL.md §1.7.5).
    'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
  });
}
