import { readFile } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';
import type { Logger } from 'pino';

/**
 * The browser pages (protocol.md §6): `GET /` the webchat widget demo, `GET /agent` the agent
 * desk, and their bundles under `/assets/`. The bundles are built once per process, in memory,
 * with esbuild from `client-sdk/webchat/main.ts` and `client-sdk/agent-desk/main.ts`; asset names
 * carry a content hash, so they are cached for a year and the pages themselves are revalidated.
 * A failed build is logged and the pages answer a plain 500; the rest of the hub is unaffected.
 */

const defaultClientRoot = fileURLToPath(new URL('../../../client-sdk/', import.meta.url));

interface Asset {
  body: Buffer;
  type: string;
}
interface Built {
  pages: Map<string, string>;
  assets: Map<string, Asset>;
  sizes: Record<string, number>;
  ms: number;
}
type BuildResult = { ok: true; built: Built } | { ok: false; error: string };

/** Page path → its bundle's entry folder under client-sdk/ (`main.ts`, `index.html`). */
const pageEntries = { '/': 'webchat', '/agent': 'agent-desk' } as const;

const builds = new Map<string, Promise<BuildResult>>();

/** Builds the bundles once per process and source folder; later hubs in the same process reuse them. */
export function buildPages(log: Logger, clientRoot = defaultClientRoot): Promise<BuildResult> {
  let building = builds.get(clientRoot);
  if (building) return building;
  building = build(clientRoot).then(
    (built) => {
      log.info({ ms: Math.round(built.ms), bytes: built.sizes }, 'page bundles built');
      return { ok: true as const, built };
    },
    (err: unknown) => {
      log.error({ err }, 'page bundles failed to build; / and /agent answer 500');
      return { ok: false as const, error: err instanceof Error ? err.message : String(err) };
    },
  );
  builds.set(clientRoot, building);
  return building;
}

async function build(clientRoot: string): Promise<Built> {
  const started = performance.now();
  const contractDir = join(clientRoot, 'src', 'contract') + sep;
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: Object.fromEntries(Object.values(pageEntries).map((entry) => [entry, join(clientRoot, entry, 'main.ts')])),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    outdir: '/assets',
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    splitting: true,
    logLevel: 'silent',
    legalComments: 'none',
    plugins: [
      {
        // The contract's modules only declare things: when the browser code takes nothing but types
        // from them, they (and zod, ~450 kB) drop out of the bundle.
        name: 'contract-has-no-side-effects',
        setup(b) {
          // Only imports that can name a contract module go through the (slower) JS round trip.
          b.onResolve({ filter: /(^|\/)(contract\/index|codes|schemas|events)\.js$/ }, async (args) => {
            if (args.pluginData === 'contract-resolve') return undefined;
            const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'contract-resolve' });
            if (r.errors.length > 0 || !r.path.startsWith(contractDir)) return undefined;
            return { path: r.path, sideEffects: false };
          });
        },
      },
    ],
  });
  const assets = new Map<string, Asset>();
  const sizes: Record<string, number> = {};
  const urls: Record<string, string> = {};
  for (const f of result.outputFiles) {
    const name = basename(f.path);
    const ext = name.slice(name.lastIndexOf('.'));
    if (ext !== '.js' && ext !== '.css') continue;
    assets.set(name, { body: Buffer.from(f.contents), type: ext === '.js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8' });
    sizes[name] = f.contents.length;
    const entry = /^(webchat|agent-desk)-[A-Z0-9]+\.(js|css)$/.exec(name);
    if (entry) urls[`${entry[1]}.${entry[2]}`] = `/assets/${name}`;
  }
  const pages = new Map<string, string>();
  for (const [path, entry] of Object.entries(pageEntries)) {
    const key = entry.toUpperCase().replace('-', '_');
    let text = await readFile(join(clientRoot, entry, 'index.html'), 'utf8');
    for (const ext of ['js', 'css']) {
      const url = urls[`${entry}.${ext}`];
      if (!url) throw new Error(`no ${ext} output for ${entry}`);
      text = text.replaceAll(`%${key}_${ext.toUpperCase()}%`, url);
    }
    pages.set(path, text);
  }
  return { pages, assets, sizes, ms: performance.now() - started };
}

/** `app.use(await pageRoutes(log))`: waits for the build, never throws. `clientRoot` is for tests. */
export async function pageRoutes(log: Logger, opts: { clientRoot?: string } = {}): Promise<Router> {
  const result = await buildPages(log, opts.clientRoot);
  const r = Router();

  for (const path of Object.keys(pageEntries)) {
    r.get(path, (_req, res) => {
      securityHeaders(res);
      if (!result.ok) {
        res.status(500).type('text/plain; charset=utf-8').set('Cache-Control', 'no-store');
        return void res.send('This page is unavailable: its scripts could not be built. The hub logged why; the API and sockets are unaffected.\n');
      }
      // The page names hashed assets: always revalidate it (the ETag makes that cheap).
      res.set('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(result.built.pages.get(path));
    });
  }

  r.get('/assets/:name', (req, res, next) => {
    const asset = result.ok ? result.built.assets.get(req.params.name) : undefined;
    if (!asset) return next();
    res.set('Cache-Control', 'public, max-age=31536000, immutable').set('X-Content-Type-Options', 'nosniff').type(asset.type).send(asset.body);
  });

  return r;
}

function securityHeaders(res: Response): void {
  res.set({
    // Scripts and styles only from the hub; sockets to the hub ('self' covers ws: and wss: of this origin).
    'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
  });
}
