import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { startHub } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { login } from './helpers.js';

describe('embedded first start', () => {
  test('makes a demo agent and supervisor, their passwords in secrets.json and not in the log', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hub-demo-'));
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const hub = await startHub(loadConfig({ PORT: '0', HOST: '127.0.0.1', HUB_DATA_DIR: dataDir }), { log });
    try {
      const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));
      expect(secrets).toMatchObject({ jwtSecret: expect.any(String), adminKey: expect.any(String), demoAgentPassword: expect.any(String), demoSupervisorPassword: expect.any(String) });
      expect((await login(hub.url, 'demo-agent', secrets.demoAgentPassword)).accessToken).toEqual(expect.any(String));
      expect((await login(hub.url, 'demo-supervisor', secrets.demoSupervisorPassword)).accessToken).toEqual(expect.any(String));
      const all = lines.join('');
      expect(all).toContain('demo-agent');
      expect(all).toContain('secrets.json');
      expect(all).not.toContain(secrets.demoAgentPassword);
      expect(all).not.toContain(secrets.demoSupervisorPassword);
    } finally {
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
