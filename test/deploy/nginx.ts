import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../helpers/free-port.js';

/** Debian's nginx (`apt-get install nginx`); `NGINX_BIN` points elsewhere. */
export const nginxBin = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
/** The repository's proxy configuration, as docker/compose.yaml mounts it into `conf.d/`. */
export const repoNginxConf = new URL('../../docker/nginx.conf', import.meta.url).pathname;

export interface Nginx {
  port: number;
  url: string;
  /** Everything nginx wrote to stderr (its error log). */
  log: string[];
  /** The generated top-level configuration. */
  conf: string;
  /** Fast shutdown (SIGTERM to the master), SIGKILL after `ms`; resolves once it has exited. */
  stop(ms?: number): Promise<void>;
}

/** A free loopback port (nobody else binds loopback ports here between this and nginx's bind). */

/**
 * docker/nginx.conf with the compose names made loopback addresses: `hub-a:3000` and `hub-b:3000`
 * → `127.0.0.1:<port>`, `listen 80` → `listen 127.0.0.1:<port>`. Each must be there exactly once,
 * so a change to the file that these substitutions would miss fails here rather than testing
 * something else.
 */
export function substitute(fragment: string, upstreams: Record<string, number>, listen: number): string {
  const swaps: [RegExp, string][] = [
    ...Object.entries(upstreams).map(([host, port]): [RegExp, string] => [new RegExp(`\\bserver\\s+${host}:3000\\b`, 'g'), `server 127.0.0.1:${port}`]),
    [/\blisten\s+80\b/g, `listen 127.0.0.1:${listen}`],
  ];
  let out = fragment;
  for (const [re, to] of swaps) {
    const n = out.match(re)?.length ?? 0;
    if (n !== 1) throw new Error(`docker/nginx.conf: expected ${re.source} once, found it ${n} times`);
    out = out.replace(re, to);
  }
  return out;
}

/**
 * Debian's nginx as a child process (`daemon off`, master and one worker) on a free loopback port,
 * running the repository's nginx.conf inside an `http {}` of its own whose pid, logs and temp
 * folders are in a temp folder. Each response names the upstream that answered (`X-Upstream`, added
 * here, not in the repository's file). Resolves once nginx has bound its port and started its worker.
 */
export async function startNginx(upstreams: Record<string, number>): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-nginx-'));
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const port = await freePort();
  const fragment = substitute(readFileSync(repoNginxConf, 'utf8'), upstreams, port);
  const conf = [
    'daemon off;',
    'worker_processes 1;',
    // Run as root (this machine's CI), nginx would switch its worker to `nobody`, which cannot write the temp folders.
    ...(process.getuid?.() === 0 ? ['user root root;'] : []),
    `pid ${dir}/nginx.pid;`,
    'error_log stderr notice;',
    'events { worker_connections 512; }',
    'http {',
    `  access_log ${dir}/access.log;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((d) => `  ${d}_temp_path ${dir}/${d};`),
    '  add_header X-Upstream $upstream_addr always;',
    fragment.replace(/^/gm, '  '),
    '}',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'nginx.conf'), conf);

  const child: ChildProcess = spawn(nginxBin, ['-e', 'stderr', '-p', `${dir}/`, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nginx did not start in 10 s:\n${log.join('\n')}`)), 10_000);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${nginxBin} could not run (apt-get install nginx): ${err.message}`));
      });
      createInterface({ input: child.stderr! }).on('line', (line) => {
        log.push(line);
        // The master logs this after it has bound the listening socket.
        if (/start worker process \d+/.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`nginx exited at start-up (code ${child.exitCode}):\n${log.join('\n')}\n--- config ---\n${conf}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log,
    conf,
    async stop(ms = 5_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
