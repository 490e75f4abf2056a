import { createHmac } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { parseWebhook, verifyChallenge, verifySignature } from '../../server/whatsapp/cloud-webhook.js';

// Meta's documented webhook shapes (developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples).
const change = (value: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: 'WABA', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001111', phone_number_id: '123' }, ...value } }] }],
});
const from = '46701234567';
const contacts = [{ profile: { name: 'Wanda' }, wa_id: from }];
const message = (type: string, part: Record<string, unknown>, id = 'wamid.1') => change({ contacts, messages: [{ from, id, timestamp: '1700000000', type, ...part }] });

describe('parseWebhook', () => {
  test('text, with the contact’s name and the time in ms', () => {
    expect(parseWebhook(message('text', { text: { body: 'hello' } })).messages).toEqual([{ id: 'wamid.1', phoneNumberId: '123', from, name: 'Wanda', timestamp: 1_700_000_000_000, text: 'hello' }]);
  });

  test('media with caption or filename, location, interactive and button replies, anything else unsupported', () => {
    const [image] = parseWebhook(message('image', { image: { id: 'm1', mime_type: 'image/jpeg', caption: 'the label' } })).messages;
    expect(image).toMatchObject({ text: 'the label', media: { mediaId: 'm1', mimeType: 'image/jpeg', kind: 'image' } });
    const [doc] = parseWebhook(message('document', { document: { id: 'm2', mime_type: 'application/pdf', filename: 'invoice.pdf' } })).messages;
    expect(doc).toMatchObject({ text: 'invoice.pdf', media: { kind: 'document', filename: 'invoice.pdf' } });
    const [audio] = parseWebhook(message('audio', { audio: { id: 'm3', mime_type: 'audio/ogg' } })).messages;
    expect(audio!.text).toBe('[audio]');
    const [loc] = parseWebhook(message('location', { location: { latitude: 59.33, longitude: 18.06, name: 'Office' } })).messages;
    expect(loc).toMatchObject({ location: { latitude: 59.33, longitude: 18.06, name: 'Office' } });
    expect(loc!.text).toContain('Office');
    const [reply] = parseWebhook(message('interactive', { interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes please' } } })).messages;
    expect(reply).toMatchObject({ text: 'Yes please', replyPayload: 'yes' });
    const [button] = parseWebhook(message('button', { button: { payload: 'STOP', text: 'Stop promotions' } })).messages;
    expect(button).toMatchObject({ text: 'Stop promotions', replyPayload: 'STOP' });
    expect(parseWebhook(message('reaction', { reaction: { message_id: 'x', emoji: '👍' } })).messages[0]!.text).toBe('[unsupported message: reaction]');
  });

  test('NUL and lone surrogates become U+FFFD; long text is cut without splitting a pair', () => {
    const [m] = parseWebhook(message('text', { text: { body: 'a\u0000b\uD800c' } })).messages;
    expect(m!.text).toBe('a\uFFFDb\uFFFDc');
    const [long] = parseWebhook(message('text', { text: { body: `${'x'.repeat(3999)}😀` } })).messages;
    expect(long!.text).toBe('x'.repeat(3999));
  });

  test('statuses, the ones the hub uses; a body that is not Meta’s shape throws', () => {
    const body = change({ statuses: [{ id: 'wamid.out', recipient_id: from, status: 'read', timestamp: '1700000001' }, { id: 'w2', recipient_id: from, status: 'deleted', timestamp: '1' }] });
    expect(parseWebhook(body).statuses).toEqual([{ id: 'wamid.out', phoneNumberId: '123', recipientId: from, status: 'read', timestamp: 1_700_000_001_000 }]);
    expect(() => parseWebhook({ object: 'page', entry: [] })).toThrow(/not a WhatsApp Cloud API webhook body/);
    expect(() => parseWebhook(change({ messages: [{ id: 'x' }] }))).toThrow();
  });
});

describe('signature and verification', () => {
  const raw = Buffer.from(JSON.stringify(message('text', { text: { body: 'hi' } })));
  const sign = (secret: string) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

  test('X-Hub-Signature-256 over the raw bytes with the app secret', () => {
    expect(verifySignature(raw, sign('app-secret'), 'app-secret')).toBe(true);
    expect(verifySignature(raw, sign('other'), 'app-secret')).toBe(false);
    expect(verifySignature(Buffer.concat([raw, Buffer.from(' ')]), sign('app-secret'), 'app-secret')).toBe(false);
    expect(verifySignature(raw, undefined, 'app-secret')).toBe(false);
    expect(verifySignature(raw, 'sha256=abc', 'app-secret')).toBe(false);
    expect(verifySignature(raw, sign('app-secret').replace('sha256=', 'sha1='), 'app-secret')).toBe(false);
  });

  test('the challenge for subscribe with the right token only', () => {
    expect(verifyChallenge({ 'hub.mode': 'subscribe', 'hub.verify_token': 'tok', 'hub.challenge': '42' }, 'tok')).toBe('42');
    expect(verifyChallenge({ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '42' }, 'tok')).toBeNull();
    expect(verifyChallenge({ 'hub.mode': 'unsubscribe', 'hub.verify_token': 'tok', 'hub.challenge': '42' }, 'tok')).toBeNull();
  });
});
