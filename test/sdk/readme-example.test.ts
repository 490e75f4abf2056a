/**
 * The root README's "Chat from a few lines of Node" works as written: its code is
 * client-sdk/examples/chat.ts, and run the way the README says (`npx tsx client-sdk/examples/chat.ts`
 * from the hub's folder) against a fresh `npm start` (embedded mode, generated secrets), it chats
 * both ways and exits 0. Only the port (0, read from the log) and the data folder (a temp one,
 * named by HUB_DATA_DIR to both) differ from a first `npm start`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { HubClient } from '@conversation-hub/client-sdk';
import type { Activity, TaskOffered } from '@conversation-hub/client-sdk/contract';
import { must, root, run, startHubProcess, type HubProcess } from './processes.js';

const example = join(root, 'client-sdk/examples/chat.ts');
let dataDir: string;
let hub: HubProcess | undefined;

beforeAll(async () => {
  // `npm start` builds what is stale (scripts/build.ts --if-stale, the SDK's dist/ among it); built
  // here as well so that this file also runs alone on a fresh checkout.
  await must('npm', ['run', 'build:sdk'], { cwd: root });
  dataDir = mkdtempSync(join(tmpdir(), 'hub-readme-'));
  hub = await startHubProcess('npm', ['start'], { HUB_DATA_DIR: dataDir });
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("the README's Node example is client-sdk/examples/chat.ts, word for word", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = /^## Chat from a few lines of Node\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  expect(section).toBeDefined();
  const code = /```ts\n([\s\S]*?)```/.exec(section!)?.[1];
  expect(code).toBe(readFileSync(example, 'utf8'));
  expect(section).toContain('npx tsx client-sdk/examples/chat.ts');
});

test('a fresh `npm start` generated the admin key the example reads', () => {
  const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { adminKey?: string };
  expect(secrets.adminKey).toEqual(expect.any(String));
  expect(hub!.lines.some((l) => l.includes('using secrets generated and kept in this file'))).toBe(true);
});

test('run as the README says, the example chats both ways, closes its clients and exits 0', async () => {
  // No HUB_ADMIN_KEY: the example finds the generated key in $HUB_DATA_DIR/secrets.json.
  const env = { HUB_URL: hub!.url, HUB_DATA_DIR: dataDir };
  const r = await run('npx', ['tsx', 'client-sdk/examples/chat.ts'], { cwd: root, env, timeout: 30_000 });
  if (r.code !== 0) throw new Error(`the example exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
  expect(r.stdout.trim().split('\n').sort()).toEqual(['Ada sees Sam: Let me look into it', 'Sam sees Ada: Hello, my card was declined']);
}, 40_000);

// Issue 13: the seeded webchat of a fresh `npm start` runs the built-in bot, so a newcomer sees a
// bot answer first and a handoff to the demo agent on "I want to talk to an agent".
test('on a fresh `npm start` the webchat bot answers "hello" and hands "I want to talk to an agent" to the ready demo agent', async () => {
  const url = hub!.url;
  const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { demoAgentPassword: string };
  const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'demo-agent', password: secrets.demoAgentPassword }) });
  expect(login.status).toBe(200);
  const agent = await new HubClient(url, { token: ((await login.json()) as { accessToken: string }).accessToken }).connect();
  const session = await fetch(`${url}/api/webchat/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ serviceIdentifier: 'webchat' }) });
  const customer = await new HubClient(url, { token: ((await session.json()) as { token: string }).token }).connect();
  try {
    const offer = new Promise<TaskOffered>((resolve) => agent.on('task.offered', resolve));
    await agent.call('agent.state', { state: 'ready' });
    const botSays = (after: number) => new Promise<Activity>((resolve) => customer.onActivity((a) => a.type === 'message' && a.from.role === 'bot' && a.seq > after && resolve(a)));
    const answer = botSays(0);
    const hello = await customer.send('hello');
    expect((await answer).payload).toEqual({ text: expect.any(String) });
    const handingOver = botSays(hello.seq + 1);
    await customer.send('I want to talk to an agent');
    const { task, conversation } = await offer;
    expect(task.reason).toBe('handoff');
    const handoff = conversation.activities.find((a) => a.type === 'handoff');
    expect(handoff?.payload).toMatchObject({ intent: 'agent', sentiment: expect.any(Number), summary: expect.stringContaining('agent') });
    expect((await handingOver).payload).toMatchObject({ text: expect.any(String) });
  } finally {
    agent.close();
    customer.close();
  }
}, 60_000);
