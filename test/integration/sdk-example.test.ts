import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

test("the README's few lines of Node chat through a running hub", async () => {
  const root = new URL('../../', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=source', '--import', 'tsx', 'client-sdk/examples/chat.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, HUB_URL: hub.url, HUB_ADMIN_KEY: hub.adminKey },
    timeout: 30_000,
  });
  expect(stdout).toContain('supervisor sees Ada: Hello, my card was declined');
  expect(stdout).toContain('customer sees  Sam: Let me look into it');
});
