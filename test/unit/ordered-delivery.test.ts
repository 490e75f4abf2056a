/**
 * The SDK's ordered delivery retries a failed catch-up by itself: after a Redis restart the hub may
 * answer `activities.since` with an error for a while (Redis replaying its AOF answers LOADING),
 * and the conversation's last activities have no later one to reveal the gap (the quick chaos run
 * in CI caught a customer missing its last 19 messages this way).
 */
import { expect, test } from '@jest/globals';
import type { Activity, ConversationView } from '@conversation-hub/client-sdk/contract';
import { OrderedDelivery } from '../../client-sdk/src/ordered-delivery.js';

const act = (seq: number): Activity => ({ id: `a${seq}`, conversationId: 'c1', seq, type: 'message', visibility: 'all', from: { id: 'agent', role: 'agent' }, at: '2026-11-22T10:00:00.000Z', payload: { text: `m${seq}` } }) as Activity;
const view = { id: 'c1', lastSeq: 1, activities: [act(1)] } as unknown as ConversationView;

test('a catch-up that fails is tried again with backoff until it succeeds, with no later activity', async () => {
  const log = [act(1), act(2), act(3), act(4)];
  let calls = 0;
  const handed: number[] = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const delivery = new OrderedDelivery({
    async since(_id, afterSeq) {
      if (++calls <= 2) throw new Error('LOADING Redis is loading the dataset in memory');
      return { activities: log.filter((a) => a.seq > afterSeq), lastSeq: 4 };
    },
    activity(a) {
      handed.push(a.seq);
      if (a.seq === 4) done();
    },
    conversation() {},
  });
  delivery.view(view);
  delivery.catchUpAll(); // a resync: the hub fails twice, then answers
  await all;
  expect(handed).toEqual([1, 2, 3, 4]);
  expect(calls).toBe(3);

  delivery.close();
});
