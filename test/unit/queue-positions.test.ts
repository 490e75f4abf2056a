import { describe, expect, test } from '@jest/globals';
import { averageWaitSeconds, decidePositions } from '../../server/domain/queue-positions.js';

const NOW = 1_000_000;

describe('decidePositions', () => {
  test('never told: told now, whatever the interval', () => {
    expect(decidePositions([undefined, undefined], NOW, 60_000)).toEqual({ tell: [0, 1] });
  });

  test('unchanged: not told again, and no retry', () => {
    expect(decidePositions([{ position: 1, at: NOW }, { position: 2, at: 0 }], NOW, 60_000)).toEqual({ tell: [] });
  });

  test('changed, told long enough ago: told', () => {
    expect(decidePositions([{ position: 2, at: NOW - 60_000 }], NOW, 60_000)).toEqual({ tell: [0] });
  });

  test('changed, told less than the interval ago: held back until the earliest may be told', () => {
    const notes = [{ position: 3, at: NOW - 10 }, { position: 1, at: NOW - 50 }, undefined];
    expect(decidePositions(notes, NOW, 100)).toEqual({ tell: [2], retryAt: NOW + 50 });
  });

  test('a clock behind the last note holds it back too', () => {
    expect(decidePositions([{ position: 2, at: NOW + 5 }], NOW, 0)).toEqual({ tell: [], retryAt: NOW + 5 });
  });

  test('no tasks: nothing', () => {
    expect(decidePositions([], NOW, 1)).toEqual({ tell: [] });
  });
});

describe('averageWaitSeconds', () => {
  test('null before the first wait; the mean in seconds after', () => {
    expect(averageWaitSeconds(0, 0)).toBeNull();
    expect(averageWaitSeconds(6_500, 2)).toBe(3.25);
  });
});
