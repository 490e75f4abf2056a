/**
 * `npm run build`: the browser pages and the SDK, ahead of time.
 *
 * - Pages: esbuild bundles `client-sdk/webchat/main.ts` and `client-sdk/agent-desk/main.ts` (ESM,
 *   code split, minified, the SDK's TypeScript through the `source` condition) into `dist/public/`:
 *   `assets/<name>-<hash>.js|css`, the two pages (`webchat.html`, `agent-desk.html`) naming them,
 *   `webchat.js` (the widget's stable embed URL, which loads the hashed files) and `manifest.json`,
 *   which the server reads (server/transport/http/pages.ts). The folder is replaced whole.
 * - SDK: `npm run build:sdk` (client-sdk/ → client-sdk/dist/), skipped with a warning while
 *   client-sdk/tsconfig.build.json does not exist.
 *
 * `--if-stale` rebuilds only what is older than its sources (pages and SDK apart). Prints one line.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { newest, replaceDir, run } from './build-steps.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const defaultOutDir = join(repoRoot, 'dist', 'public');
const defaultClientRoot = join(repoRoot, 'client-sdk');
const sdkTsconfig = join(defaultClientRoot, 'tsconfig.build.json');
/** When the SDK was last built (the incremental tsc leaves unchanged outputs alone, so their times say nothing). */
const sdkStamp = join(repoRoot, 'dist', 'sdk-build.json');

/** Page path → the folder under client-sdk/ with its `main.ts` and `index.html`. */
const pageEntries = { '/': 'webchat', '/agent': 'agent-desk' } as const;

/** What server/transport/http/pages.ts reads; every path is relative to the output folder. */
export interface Manifest {
  version: 1;
  /** When the build began reading its sources (ms since the epoch). */
  startedAt: number;
  /** Page path → its HTML file. */
  pages: Record<string, string>;
  /** The stable embed script. */
  embed: string;
  /** Every file of the build, with its size. */
  files: Record<string, number>;
}

export interface BuildOptions {
  /** Where the pages go; `dist/public` by default. */
  outDir?: string;
  /** The client-sdk folder (tests point it elsewhere). */
  clientRoot?: string;
  /** Only rebuild what is older than its sources. */
  ifStale?: boolean;
  /** Also run `npm run build:sdk` (default true). */
  sdk?: boolean;
}

export interface BuildResult {
  /** The one line the command prints. */
  summary: string;
  pages: 'built' | 'fresh';
  sdk: 'built' | 'fresh' | 'skipped' | 'not run';
  manifest?: Manifest;
  warnings: string[];
}

export async function build(opts: BuildOptions = {}): Promise<BuildResult> {
  const outDir = opts.outDir ?? defaultOutDir;
  const clientRoot = opts.clientRoot ?? defaultClientRoot;
  const warnings: string[] = [];
  const started = performance.now();

  const pagesFresh = opts.ifStale && (await pagesAreFresh(outDir, clientRoot));
  let sdkTask: Promise<BuildResult['sdk']> = Promise.resolve('not run');
  if (opts.sdk !== false) {
    if (!existsSync(sdkTsconfig)) {
      warnings.push(`build: warning: ${relative(repoRoot, sdkTsconfig)} does not exist yet; the SDK build (npm run build:sdk) is skipped`);
      sdkTask = Promise.resolve('skipped');
    } else if (opts.ifStale && (await sdkIsFresh())) sdkTask = Promise.resolve('fresh');
    else sdkTask = buildSdk().then(() => 'built' as const);
  }
  // The two run side by side; the SDK's tsc is the slower.
  const [manifest, sdk] = await Promise.all([pagesFresh ? undefined : buildPages(outDir, clientRoot), sdkTask]);

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const parts: string[] = [];
  if (manifest) {
    const kb = Math.round(Object.values(manifest.files).reduce((n, b) => n + b, 0) / 1024);
    parts.push(`pages built into ${relative(process.cwd(), outDir) || '.'} (${Object.keys(manifest.files).length} files, ${kb} kB)`);
  } else parts.push('pages up to date');
  if (sdk === 'built') parts.push('SDK built (client-sdk/dist)');
  else if (sdk === 'fresh') parts.push('SDK up to date');
  else if (sdk === 'skipped') parts.push('SDK skipped');
  const summary = `build: ${parts.join('; ')}${manifest || sdk === 'built' ? ` in ${seconds} s` : ''}`;
  return { summary, pages: manifest ? 'built' : 'fresh', sdk, ...(manifest ? { manifest } : {}), warnings };
}

// ---- the pages ---------------------------------------------------------------------------

async function buildPages(outDir: string, clientRoot: string): Promise<Manifest> {
  const startedAt = Date.now();
  const contractDir = join(clientRoot, 'src', 'contract') + sep;
  const tmp = `${outDir}.tmp-${process.pid}-${startedAt}`;
  const result = await esbuild.build({
    entryPoints: Object.fromEntries(Object.values(pageEntries).map((entry) => [entry, join(clientRoot, entry, 'main.ts')])),
    absWorkingDir: repoRoot,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    conditions: ['conversation-hub-source'],
    minify: true,
    write: false,
    metafile: true,
    outdir: join(tmp, 'assets'),
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
          b.onResolve({ filter: /^@conversation-hub\/client-sdk\/contract$|(^|\/)(contract\/index|codes|schemas|events)\.js$/ }, async (args) => {
            if (args.pluginData === 'contract-resolve') return undefined;
            const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'contract-resolve' });
            if (r.errors.length > 0 || !r.path.startsWith(contractDir)) return undefined;
            return { path: r.path, sideEffects: false };
          });
        },
      },
    ],
  });

  const files: Record<string, Uint8Array | string> = {};
  for (const f of result.outputFiles) files[relative(tmp, f.path).split(sep).join('/')] = f.contents;
  /** Entry folder → its hashed js and css, from the metafile. */
  const entries: Record<string, { js?: string; css?: string }> = {};
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    const entry = meta.entryPoint && Object.values(pageEntries).find((e) => meta.entryPoint!.endsWith(`${e}/main.ts`));
    if (!entry) continue;
    entries[entry] = { js: `assets/${basename(out)}`, ...(meta.cssBundle ? { css: `assets/${basename(meta.cssBundle)}` } : {}) };
  }
  const pages: Record<string, string> = {};
  for (const [path, entry] of Object.entries(pageEntries)) {
    const { js, css } = entries[entry] ?? {};
    if (!js || !css) throw new Error(`the build made no ${js ? 'css' : 'js'} for ${entry}`);
    const key = entry.toUpperCase().replace('-', '_');
    const html = (await readFile(join(clientRoot, entry, 'index.html'), 'utf8')).replaceAll(`%${key}_JS%`, `/${js}`).replaceAll(`%${key}_CSS%`, `/${css}`);
    files[`${entry}.html`] = html;
    pages[path] = `${entry}.html`;
  }
  files['webchat.js'] = embedLoader(entries.webchat!.js!, entries.webchat!.css!);

  const manifest: Manifest = { version: 1, startedAt, pages, embed: 'webchat.js', files: {} };
  for (const [name, body] of Object.entries(files)) {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    manifest.files[name] = bytes.length;
    await mkdir(dirname(join(tmp, name)), { recursive: true });
    await writeFile(join(tmp, name), bytes);
  }
  await writeFile(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await replaceDir(tmp, outDir);
  return manifest;
}

/**
 * `/webchat.js`: a site embeds the widget with this one URL, cached briefly, and it names this
 * build's hashed files (cached for a year). The stylesheet is asked for before the script.
 */
function embedLoader(js: string, css: string): string {
  return `// The webchat widget's stable URL (built by scripts/build.ts): it loads this build's hashed files.
const css = new URL(${JSON.stringify(`./${css}`)}, import.meta.url).href;
if (![...document.querySelectorAll('link[rel="stylesheet"]')].some((l) => l.href === css)) {
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = css;
  document.head.append(link);
}
import(${JSON.stringify(`./${js}`)});
`;
}

async function pagesAreFresh(outDir: string, clientRoot: string): Promise<boolean> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return false;
  }
  const inputs = await newest([join(clientRoot, 'src'), join(clientRoot, 'ui'), ...Object.values(pageEntries).map((e) => join(clientRoot, e)), join(clientRoot, 'package.json'), fileURLToPath(import.meta.url)]);
  if (inputs >= manifest.startedAt) return false;
  for (const name of [...Object.keys(manifest.files), 'manifest.json']) {
    const s = await stat(join(outDir, name)).catch(() => undefined);
    if (!s || s.mtimeMs <= inputs) return false;
  }
  return true;
}

// ---- the SDK -----------------------------------------------------------------------------

async function sdkIsFresh(): Promise<boolean> {
  let startedAt: number;
  try {
    startedAt = (JSON.parse(await readFile(sdkStamp, 'utf8')) as { startedAt: number }).startedAt;
  } catch {
    return false;
  }
  if (!existsSync(join(defaultClientRoot, 'dist', 'index.js'))) return false;
  const inputs = await newest([join(defaultClientRoot, 'src'), sdkTsconfig, join(repoRoot, 'tsconfig.json'), join(defaultClientRoot, 'package.json')]);
  return inputs < startedAt;
}

function buildSdk(): Promise<void> {
  const startedAt = Date.now();
  return run('npm', ['run', '--silent', 'build:sdk'], repoRoot, 'npm run build:sdk failed').then(async () => {
    await mkdir(dirname(sdkStamp), { recursive: true });
    await writeFile(sdkStamp, `${JSON.stringify({ startedAt })}\n`);
  });
}

// ---- the command -------------------------------------------------------------------------

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  build({ ifStale: process.argv.includes('--if-stale') }).then(
    (r) => {
      for (const w of r.warnings) process.stderr.write(`${w}\n`);
      process.stdout.write(`${r.summary}\n`);
    },
    (err: unknown) => {
      const e = err as { errors?: esbuild.Message[]; message?: string };
      const lines = e.errors?.length ? e.errors.map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`) : [e.message ?? String(err)];
      process.stderr.write(`build failed:\n  ${lines.join('\n  ')}\n`);
      process.exitCode = 1;
    },
  );
}
