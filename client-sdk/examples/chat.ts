import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubClient } from '@conversation-hub/client-sdk';

const url = process.env.HUB_URL ?? 'http://localhost:3000';
// The admin key: HUB_ADMIN_KEY, or the one `npm start` generated into $HUB_DATA_DIR/secrets.json (./data).
const adminKey: string =
  process.env.HUB_ADMIN_KEY ?? JSON.parse(readFileSync(join(process.env.HUB_DATA_DIR ?? 'data', 'secrets.json'), 'utf8')).adminKey;
const post = async (path: string, body: unknown, key?: string): Promise<{ token: string }> => {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res.json();
};

// A customer, through the public webchat endpoint.
const s = await post('/api/webchat/sessions', { serviceIdentifier: 'webchat', prechat: { name: 'Ada' } });
const customer = await new HubClient(url, { token: s.token, channelData: { locale: 'en-GB' } }).connect();
const { id: conversationId } = await customer.conversation();

// A supervisor, with a token from the admin API.
const t = await post('/api/tokens', { sub: 'sam', role: 'supervisor', name: 'Sam' }, adminKey);
const supervisor = await new HubClient(url, { token: t.token }).connect();
await supervisor.call('conversation.join', { conversationId });

// Resolves once `client` has a message from `role`, and prints it.
const hears = (client: HubClient, who: string, role: 'customer' | 'supervisor') =>
  new Promise<void>((resolve) =>
    client.onActivity((a) => {
      if (a.type !== 'message' || a.from.role !== role) return;
      console.log(`${who} sees ${a.from.name}: ${a.payload.text}`);
      resolve();
    }),
  );
const done = Promise.all([hears(supervisor, 'Sam', 'customer'), hears(customer, 'Ada', 'supervisor')]);
await customer.send('Hello, my card was declined');
await supervisor.send('Let me look into it', { conversationId });
await done;
customer.close();
supervisor.close();
