// A customer and a supervisor chat through a running hub, in a few lines of Node:
//   npm start            (in another terminal)
//   npx tsx client-sdk/examples/chat.ts
// HUB_URL defaults to http://localhost:3000; HUB_ADMIN_KEY to the one `npm start` kept in ./data/secrets.json.
import { readFileSync } from 'node:fs';
import { HubClient } from '../src/hub-client.js';

const url = process.env.HUB_URL ?? 'http://localhost:3000';
const adminKey = process.env.HUB_ADMIN_KEY ?? JSON.parse(readFileSync('data/secrets.json', 'utf8')).adminKey;
const post = async (path: string, body: unknown, auth?: string) =>
  (await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, body: JSON.stringify(body) })).json();

const { token: customerToken } = await post('/api/webchat/sessions', { serviceIdentifier: 'webchat', prechat: { name: 'Ada' } });
const customer = await new HubClient(url, { token: customerToken, channelData: { locale: 'en-GB' } }).connect();
const { id: conversationId } = await customer.conversation();

const { token: supervisorToken } = await post('/api/tokens', { sub: 'sam', role: 'supervisor', name: 'Sam' }, adminKey);
const supervisor = await new HubClient(url, { token: supervisorToken }).connect();
await supervisor.call('conversation.join', { conversationId });

const replied = new Promise<void>((resolve) =>
  customer.onActivity((a) => {
    if (a.type === 'message' && a.from.role === 'supervisor') {
      process.stdout.write(`customer sees  ${a.from.name}: ${a.payload.text}\n`);
      resolve();
    }
  }),
);
supervisor.onActivity((a) => {
  if (a.type === 'message' && a.from.role === 'customer') process.stdout.write(`supervisor sees ${a.from.name}: ${a.payload.text}\n`);
});
await customer.send('Hello, my card was declined');
await supervisor.send('Let me look into it', { conversationId });
await replied;
customer.close();
supervisor.close();
