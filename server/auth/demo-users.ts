import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Logger } from '../log.js';
import type { Accounts } from './accounts.js';

export const DEMO_USERS = [
  { username: 'demo-agent', name: 'Demo Agent', role: 'agent', key: 'demoAgentPassword' },
  { username: 'demo-supervisor', name: 'Demo Supervisor', role: 'supervisor', key: 'demoSupervisorPassword' },
] as const;

/**
 * Embedded mode's first start (no users yet, secrets generated into the data folder): a demo agent
 * and a demo supervisor with generated passwords, kept beside the generated secrets in
 * `secrets.json` (mode 0600). The log names the usernames and the file, never the passwords.
 */
export async function ensureDemoUsers(accounts: Accounts, secretsFile: string, log: Logger): Promise<void> {
  if ((await accounts.d.users.count()) > 0) return;
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, unknown>;
  for (const u of DEMO_USERS) {
    const password = typeof secrets[u.key] === 'string' && (secrets[u.key] as string).length >= 12 ? (secrets[u.key] as string) : randomBytes(15).toString('base64url');
    await accounts.create({ username: u.username, name: u.name, role: u.role, password });
    secrets[u.key] = password;
  }
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  log.warn(
    { usernames: DEMO_USERS.map((u) => u.username), passwordsIn: secretsFile, keys: DEMO_USERS.map((u) => u.key) },
    'first start: made demo users to sign in at /agent; their passwords are in the secrets file',
  );
}
