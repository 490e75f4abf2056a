import { describe, expect, test } from '@jest/globals';
import { orderGate } from '../../server/transport/sharded-adapter.js';

// The sharded adapter's ordering of this node's pushes and moves (joins, leaves): each settles
// when the test says so, and the log shows what ran when.
function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('orderGate', () => {
  test('a move runs after the pushes issued before it; a push issued during a move runs after it', async () => {
    const gate = orderGate();
    const log: string[] = [];
    const p1 = deferred();
    gate.push(() => (log.push('push 1 starts'), p1.promise.then(() => void log.push('push 1 done'))));
    const moved = gate.move(() => void log.push('move runs'));
    gate.push(() => (log.push('push 2 starts'), Promise.resolve()));
    await Promise.resolve();
    expect(log).toEqual(['push 1 starts']); // the move waits for push 1, push 2 for the move
    p1.resolve();
    await moved;
    await gate.moved();
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['push 1 starts', 'push 1 done', 'move runs', 'push 2 starts']);
  });

  test('pushes with no move in flight start at once, side by side', () => {
    const gate = orderGate();
    const started: number[] = [];
    for (let i = 0; i < 3; i++) gate.push(() => (started.push(i), new Promise<void>(() => {})));
    expect(started).toEqual([0, 1, 2]);
  });

  test('moves run one after another, in order, and a failed one does not stop the next', async () => {
    const gate = orderGate();
    const log: number[] = [];
    const first = gate.move(() => Promise.reject(new Error('publish failed')));
    const second = gate.move(() => void log.push(2));
    await expect(first).rejects.toThrow('publish failed');
    await second;
    expect(log).toEqual([2]);
  });

  test('many moves among many pushes all finish, each push after the moves issued before it', async () => {
    const gate = orderGate();
    let moves = 0;
    const seen: number[] = [];
    const done: Promise<void>[] = [];
    for (let i = 0; i < 5_000; i++) {
      if (i % 5 === 0) done.push(gate.move(() => void moves++));
      const expected = Math.floor(i / 5) + 1;
      done.push(new Promise<void>((resolve) => gate.push(() => (seen.push(moves - expected), resolve(), Promise.resolve()))));
    }
    await Promise.all(done);
    expect(moves).toBe(1_000);
    expect(seen.every((d) => d >= 0)).toBe(true);
  });
});
