import { describe, expect, test } from '@jest/globals';
import type { Activity } from '@conversation-hub/client-sdk/contract';
import { attachmentLinks, LINK_TTL_MS } from '../../server/attachments/signed-links.js';
import { graphBodies } from '../../server/whatsapp/outbound-bodies.js';

const message = (payload: Record<string, unknown>) =>
  ({ id: 'a1', conversationId: 'k', seq: 3, type: 'message', visibility: 'all', from: { id: 'ag', role: 'agent' }, at: '2026-11-22T00:00:00.000Z', payload }) as unknown as Activity;
const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '46701' };

describe('graphBodies: a hub message as Graph API messages', () => {
  test('text, template, quick replies', () => {
    expect(graphBodies('46701', message({ text: 'hi' }))).toEqual([{ ...envelope, type: 'text', text: { body: 'hi', preview_url: false } }]);
    expect(graphBodies('46701', message({ text: '[template t]', template: { name: 't', language: 'en' } }))).toEqual([{ ...envelope, type: 'template', template: { name: 't', language: { code: 'en' } } }]);
    const [buttons] = graphBodies('46701', message({ text: 'pick', quickReplies: [{ title: 'Yes', payload: 'y' }, { title: 'No', payload: 'n' }] }));
    expect(buttons).toMatchObject({ type: 'interactive', interactive: { type: 'button', body: { text: 'pick' }, action: { buttons: [{ reply: { id: 'y', title: 'Yes' } }, { reply: { id: 'n', title: 'No' } }] } } });
  });

  test('attachments by link, the first captioned; a long text goes first on its own; other activities nothing', () => {
    const attachments = [
      { id: 'att_1', url: 'https://hub/api/attachments/att_1/a.png', name: 'a.png', mimeType: 'image/png', size: 1 },
      { url: 'https://cdn/b.pdf', name: 'b.pdf', mimeType: 'application/pdf', size: 1 },
    ];
    const signed = (a: { url: string }) => `${a.url}?sig=x`;
    expect(graphBodies('46701', message({ text: 'see', attachments }), signed)).toEqual([
      { ...envelope, type: 'image', image: { link: 'https://hub/api/attachments/att_1/a.png?sig=x', caption: 'see' } },
      { ...envelope, type: 'document', document: { link: 'https://cdn/b.pdf?sig=x', filename: 'b.pdf' } },
    ]);
    const long = 'x'.repeat(2000);
    expect(graphBodies('46701', message({ text: long, attachments: attachments.slice(1) })).map((b) => b.type)).toEqual(['text', 'document']);
    expect(graphBodies('46701', { ...message({ text: 'w' }), type: 'whisper' } as Activity)).toEqual([]);
  });
});

describe('signed attachment links', () => {
  const links = attachmentLinks('the-hub-jwt-secret-of-this-test');
  const now = 1_700_000_000_000;
  const query = (url: string) => Object.fromEntries(new URL(url).searchParams);

  test('a link verifies for its id until it expires, and for no other id or secret', () => {
    const url = links.sign('https://hub.example/api/attachments/att_1/a.png', 'att_1', now);
    expect(links.verify('att_1', query(url), now)).toBe(true);
    expect(links.verify('att_1', query(url), now + LINK_TTL_MS + 1000)).toBe(false);
    expect(links.verify('att_2', query(url), now)).toBe(false);
    expect(attachmentLinks('another-secret').verify('att_1', query(url), now)).toBe(false);
    expect(links.verify('att_1', { ...query(url), sig: 'ab' }, now)).toBe(false);
    expect(links.verify('att_1', { expires: 'soon', sig: query(url).sig }, now)).toBe(false);
    expect(links.verify('att_1', {}, now)).toBe(false);
  });
});
