import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestHub, testMode, type TestHub } from '../helpers/start-hub.js';

/*
 * Attachments (PROTOCOL.md §1.7.5) end to end over HTTP and the socket: the upload, its answer in
 * a message, who may download it, and the refusals (size, type, token).
 */

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR fake image bytes')]);

function form(bytes: Buffer, name: string, type = 'image/png', fields: Record<string, string> = {}): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  f.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
  return f;
}

describe(`${testMode} hub: attachments`, () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  async function customerWithConversation() {
    const customer = await hub.customer({ name: 'Ada' });
    const view = await customer.conversation();
    const token = await hub.token({ id: customer.customerId, role: 'customer', serviceIdentifier: 'webchat' });
    return { customer, view, token };
  }

  const upload = (token: string | undefined, body: FormData, query = '') =>
    fetch(`${hub.url}/api/attachments${query}`, { method: 'POST', body, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const download = (url: string, token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  test('a customer uploads an image, sends it, a participant downloads it; strangers and no token are refused', async () => {
    const { customer, view, token } = await customerWithConversation();
    const res = await upload(token, form(PNG, '../../etc/receipt.png'));
    expect(res.status).toBe(201);
    const stored = (await res.json()) as { id: string; url: string; name: string; mimeType: string; size: number };
    expect(stored).toEqual({ id: expect.stringMatching(/^att_[0-9a-f]{32}$/), url: expect.stringContaining(`/api/attachments/${stored.id}`), name: 'receipt.png', mimeType: 'image/png', size: PNG.length });

    const supervisorId = `sup-att-${Date.now()}`;
    const supervisor = await hub.client({ id: supervisorId, role: 'supervisor', name: 'Sam' });
    await supervisor.call('conversation.join', { conversationId: view.id });
    const sent = await customer.send('my receipt', { attachments: [stored] });
    expect(sent.payload).toMatchObject({ attachments: [stored] });

    const got = await download(stored.url, await hub.token({ id: supervisorId, role: 'supervisor' }));
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.headers.get('cache-control')).toContain('private');
    expect(Buffer.from(await got.arrayBuffer())).toEqual(PNG);
    // The uploader may read it back too.
    expect((await download(stored.url, token)).status).toBe(200);

    const stranger = await download(stored.url, await hub.token({ id: `agent-stranger-${Date.now()}`, role: 'agent' }));
    expect(stranger.status).toBe(404);
    const otherCustomer = await download(stored.url, await hub.token({ id: `cust-other-${Date.now()}`, role: 'customer', serviceIdentifier: 'webchat' }));
    expect(otherCustomer.status).toBe(404);
    const none = await download(stored.url);
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe('unauthorized');
  });

  test('a participant uploads into the conversation it names; a stranger may not, and needs no upload without a token', async () => {
    const { view } = await customerWithConversation();
    const supervisorId = `sup-up-${Date.now()}`;
    const supervisor = await hub.client({ id: supervisorId, role: 'supervisor' });
    await supervisor.call('conversation.join', { conversationId: view.id });
    const text = Buffer.from('invoice total: 12 €\n');
    const ok = await upload(await hub.token({ id: supervisorId, role: 'supervisor' }), form(text, 'notes.txt', 'text/plain', { conversationId: view.id }));
    expect(ok.status).toBe(201);
    const stored = (await ok.json()) as { url: string; mimeType: string };
    expect(stored.mimeType).toBe('text/plain');
    const got = await download(stored.url, await hub.token({ id: supervisorId, role: 'supervisor' }));
    expect(got.headers.get('content-disposition')).toMatch(/^attachment; filename\*=UTF-8''notes\.txt$/);

    const stranger = await upload(await hub.token({ id: `agent-x-${Date.now()}`, role: 'agent' }), form(text, 'notes.txt'), `?conversationId=${view.id}`);
    expect(stranger.status).toBe(403);
    expect((await upload(undefined, form(text, 'notes.txt'))).status).toBe(401);
  });

  test('11 MB is refused with too_large on the file field', async () => {
    const { token } = await customerWithConversation();
    const res = await upload(token, form(Buffer.concat([PNG, Buffer.alloc(11 * 1024 * 1024)]), 'big.png'));
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { code: string; details: { field: string } } };
    expect(body.error.code).toBe('too_large');
    expect(body.error.details.field).toBe('file');
  });

  test('a .png that is really an executable or HTML is refused with unsupported_media_type', async () => {
    const { token } = await customerWithConversation();
    const exe = await upload(token, form(Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64, 1)]), 'cat.png'));
    expect(exe.status).toBe(415);
    expect(((await exe.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'unsupported_media_type', message: expect.stringContaining('executable') });
    const html = await upload(token, form(Buffer.from('<html><script>alert(1)</script></html>'), 'cat.png'));
    expect(html.status).toBe(415);
  });
});
