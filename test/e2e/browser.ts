/**
 * Browser helpers of the e2e tests: Debian's Chromium through playwright-core (never a downloaded
 * one), fresh contexts, error collection, the desk's sign-in (username and password), and "another site": a tiny HTTP
 * server on another port of 127.0.0.1 (so another origin) with a page that embeds the widget.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh context (its own storage, like a new profile); reduced motion, so nothing fades mid-flight. */
export function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1200, height: 820 }, locale: 'en-GB', reducedMotion: 'reduce' });
}

/** Collects console errors and uncaught page errors. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** Opens the desk at `hubUrl/agent` and signs in with a user's username and password (PROTOCOL.md §2.3). */
export async function signInDesk(page: Page, hubUrl: string, who: { username: string; password: string; name: string; role: 'agent' | 'supervisor' }): Promise<void> {
  await page.goto(`${hubUrl}/agent`);
  await page.getByRole('heading', { name: 'Agent desk' }).waitFor();
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#connection[data-state="ok"]', { hasText: `${who.name} (${who.role})` }).waitFor();
}

export interface OtherSite {
  url: string;
  close(): Promise<void>;
}

/**
 * Another site embedding the widget with one script tag from the hub. The hub sends no CORS
 * headers on `POST /api/webchat/sessions` yet, so this site passes that one request on to the hub
 * from its own origin (`data-session-url`), as a site behind a proxy would; the script, its
 * bundles and the socket go to the hub across origins.
 */
export async function otherSite(hubUrl: string, attrs: Record<string, string | true>): Promise<OtherSite> {
  const data = Object.entries(attrs)
    .map(([k, v]) => (v === true ? ` data-${k}` : ` data-${k}="${v.replace(/"/g, '&quot;')}"`))
    .join('');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Beta Insurance</title><link rel="icon" href="data:,"></head>
<body><h1>Beta Insurance</h1><p>Questions? Chat with us.</p>
<script type="module" src="${hubUrl}/webchat.js"${data}></script></body></html>`;
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    if (req.method === 'POST' && req.url === '/api/webchat/sessions') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const answer = await fetch(`${hubUrl}/api/webchat/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
