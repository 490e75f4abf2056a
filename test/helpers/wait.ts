import type { Activity, ConversationView } from '@conversation-hub/client-sdk/contract';
import type { HubClient } from '@conversation-hub/client-sdk';

/** Resolves with the first value `subscribe` hands over that passes `match`; rejects after `ms` (a failure guard, not a sleep). */
export function waitFor<T>(subscribe: (fn: (v: T) => void) => () => void, match: (v: T) => boolean = () => true, ms = 5_000, what = 'event'): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const off = subscribe((v) => {
      if (!match(v)) return;
      clearTimeout(timer);
      off();
      resolve(v);
    });
  });
}

export const nextActivity = (c: HubClient, match: (a: Activity) => boolean = () => true, ms?: number) =>
  waitFor<Activity>((fn) => c.onActivity(fn), match, ms, 'activity');

export const nextConversation = (c: HubClient, match: (v: ConversationView) => boolean = () => true, ms?: number) =>
  waitFor<ConversationView>((fn) => c.onConversation(fn), match, ms, 'conversation');

/** Collects every activity the client hands over, in order. */
export function collect(c: HubClient): Activity[] {
  const seen: Activity[] = [];
  c.onActivity((a) => seen.push(a));
  return seen;
}

/** Resolves once `check` is true, re-checking on each activity the client sees. */
export function until(c: HubClient, check: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  if (check()) return Promise.resolve();
  return waitFor<Activity>((fn) => c.onActivity(fn), () => check(), ms, what).then(() => undefined);
}
