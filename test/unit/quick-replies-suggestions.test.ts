import { describe, expect, test } from '@jest/globals';
import type { Activity } from '@conversation-hub/client-sdk/contract';
import { quickRepliesOf } from '../../client-sdk/webchat/quick-replies.js';
import { confidenceText } from '../../client-sdk/agent-desk/suggestions.js';

const message = (role: string, quickReplies?: Array<{ title: string; payload: string }>): Activity =>
  ({
    id: 'a1',
    conversationId: 'c1',
    seq: 3,
    type: 'message',
    visibility: 'all',
    from: { id: `${role}-1`, role },
    at: '2026-11-22T08:00:00.000Z',
    payload: { text: 'How can I help?', ...(quickReplies ? { quickReplies } : {}) },
  }) as Activity;

// The pure parts of the widget's quick replies and the desk's suggestion cards (the e2e tests drive the DOM).
describe('quick replies in the widget', () => {
  test('a bot message shows its quick replies; blank ones are dropped', () => {
    const replies = [
      { title: 'Track my order', payload: 'track order' },
      { title: ' ', payload: 'x' },
      { title: 'Talk to a human', payload: 'agent, please' },
    ];
    expect(quickRepliesOf(message('bot', replies))).toEqual([replies[0], replies[2]]);
    expect(quickRepliesOf(message('bot'))).toEqual([]);
  });

  test('nobody but a bot gets buttons, and only on messages', () => {
    const replies = [{ title: 'Yes', payload: 'yes' }];
    expect(quickRepliesOf(message('agent', replies))).toEqual([]);
    expect(quickRepliesOf(message('customer', replies))).toEqual([]);
    expect(quickRepliesOf(message('controller', replies))).toEqual([]);
    const suggestion = { ...message('bot'), type: 'suggestion', visibility: 'agents', payload: { text: 'x' } } as Activity;
    expect(quickRepliesOf(suggestion)).toEqual([]);
  });
});

describe('suggestion confidence on the desk', () => {
  test('as a whole percentage, clamped; none when the bot gave none', () => {
    expect(confidenceText(0.82)).toBe('82%');
    expect(confidenceText(0.825)).toBe('83%');
    expect(confidenceText(1)).toBe('100%');
    expect(confidenceText(0)).toBe('0%');
    expect(confidenceText(1.7)).toBe('100%');
    expect(confidenceText(-0.2)).toBe('0%');
    expect(confidenceText(undefined)).toBeUndefined();
    expect(confidenceText(Number.NaN)).toBeUndefined();
  });
});
