import { describe, expect, test } from '@jest/globals';
import { offlineMessageText, openingText } from '../../client-sdk/webchat/offline.js';
import { queueText } from '../../client-sdk/webchat/queue-line.js';

// The widget's texts for the queue line and the closed screen (the e2e tests drive them in a browser).
describe('webchat texts', () => {
  test('queue line: the place, and the estimate in whole minutes (at least 1) when the hub has one', () => {
    expect(queueText({ position: 3, estimatedWaitSeconds: null })).toBe('You are number 3 in the queue');
    expect(queueText({ position: 1, estimatedWaitSeconds: 0 })).toBe('You are number 1 in the queue — about 1 min');
    expect(queueText({ position: 2, estimatedWaitSeconds: 89 })).toBe('You are number 2 in the queue — about 1 min');
    expect(queueText({ position: 2, estimatedWaitSeconds: 90 })).toBe('You are number 2 in the queue — about 2 min');
    expect(queueText({ position: 7, estimatedWaitSeconds: 1_260 })).toBe('You are number 7 in the queue — about 21 min');
  });

  test('closed screen: the offline message carries the name and email; no opening without a valid date', () => {
    expect(offlineMessageText('Ada', 'ada@example.com', 'Call me')).toBe('Call me\n\n— Ada <ada@example.com> (left while we were closed)');
    expect(openingText(undefined)).toBeUndefined();
    expect(openingText('not a date')).toBeUndefined();
    expect(openingText('2026-11-24T09:00:00.000Z')).toEqual(expect.any(String));
  });
});
