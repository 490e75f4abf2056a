import { describe, expect, test } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import type { Activity } from '@conversation-hub/client-sdk/contract';
import { WebhookSecret } from '@conversation-hub/client-sdk/contract';
import { subscriptionEvents } from '../../server/webhooks/events.js';
import { activeSecrets, newSecret, rotate, ROTATION_OVERLAP_MS, signedHeaders } from '../../server/webhooks/secrets.js';

describe('signing secrets', () => {
  test('a new secret is a valid WebhookSecret and signs what the reference verifier accepts', () => {
    const secret = newSecret();
    expect(WebhookSecret.safeParse(secret).success).toBe(true);
    const body = JSON.stringify({ type: 'conversation.created', data: { x: 'é' } });
    const headers = signedHeaders([secret], 'msg_1', new Date(), body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
  });

  test('rotation signs with both secrets until the overlap ends, then with the new one only', () => {
    const now = 1_000_000;
    const first = { current: newSecret() };
    const next = newSecret();
    const rotated = rotate(first, next, now);
    expect(activeSecrets(rotated, now)).toEqual([next, first.current]);
    expect(activeSecrets(rotated, now + ROTATION_OVERLAP_MS)).toEqual([next]);
    expect(rotate(null, next, now)).toEqual({ current: next });
    expect(rotate(rotated, next, now)).toEqual({ current: next }); // the same secret again is no rotation
    const body = '{}';
    const headers = signedHeaders(activeSecrets(rotated, now), 'msg_2', new Date(), body);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(first.current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(next).verify(body, headers)).not.toThrow();
  });

  test('WebhookSecret refuses what is not whsec_ and base64', () => {
    for (const bad of ['secret', 'whsec_short', `whsec_${'a'.repeat(40)}\u0000`, `whsec_${'!'.repeat(44)}`]) expect(WebhookSecret.safeParse(bad).success).toBe(false);
  });
});

describe('subscription events of activities', () => {
  const at = '2026-11-22T00:00:00.000Z';
  const from = { id: 'c', role: 'customer' as const };
  const a = (seq: number, type: string, payload: unknown = {}) => ({ id: `a${seq}`, conversationId: 'k', seq, type, visibility: 'all', from, at, payload }) as unknown as Activity;

  test('seq 1 makes conversation.created; closed state, messages, tasks, sessions and data map one to one; the rest nothing', () => {
    const events = subscriptionEvents([
      a(1, 'session.started'),
      a(2, 'message', { text: 'hi' }),
      a(3, 'whisper', { text: 'psst' }),
      a(4, 'state.changed', { from: 'created', to: 'active' }),
      a(5, 'task.created'),
      a(6, 'state.changed', { from: 'closing', to: 'closed' }),
      a(7, 'data.changed', { key: 'crm', value: 'x' }),
      a(8, 'suggestion', { text: 's' }),
    ]);
    expect(events.map((e) => [e.type, e.activity.seq])).toEqual([
      ['conversation.created', 1],
      ['session.started', 1],
      ['message.created', 2],
      ['task.created', 5],
      ['conversation.closed', 6],
      ['data.changed', 7],
    ]);
  });
});
