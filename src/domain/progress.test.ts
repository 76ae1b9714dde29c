import { describe, expect, it } from 'vitest';
import { etaSeconds, progressPercent, retryAfterSeconds } from './progress.ts';
import { taskFixture } from './task-fixture.ts';

const task = taskFixture;

/** One dataset-level stage after the items, `done` of them finished. */
const one = (done: number) => ({ weights: [1], done, current: 0 });

describe('progress', () => {
  it('is 0 until the source is listed', () => {
    expect(progressPercent(task({ total: null }), one(0))).toBe(0);
  });

  it('counts failed items as finished work', () => {
    expect(progressPercent(task({ done: 30, failed: 19 }), one(0))).toBe(Math.floor((100 * 49) / 101));
  });

  it('never reaches 100 before the operation ends, even with every item finished', () => {
    expect(progressPercent(task({ done: 100 }), one(0))).toBe(99);
    expect(progressPercent(task({ done: 100, stage: 'summarize' }), one(0))).toBe(99);
    expect(progressPercent(task({ done: 100, status: 'COMPLETED' }), one(1))).toBe(100);
    expect(progressPercent(task({ done: 0, failed: 100, status: 'FAILED' }), one(1))).toBe(100);
  });

  it('never moves backwards as units are counted', () => {
    let last = -1;
    for (let done = 0; done <= 100; done++) {
      const p = progressPercent(task({ done }), { weights: [1, 5, 1], done: 0, current: 0 });
      expect(p).toBeGreaterThanOrEqual(last);
      last = p;
    }
    for (let stagesDone = 0; stagesDone < 3; stagesDone++) {
      for (const current of [0, 0.25, 0.5, 0.99]) {
        const p = progressPercent(task({ done: 100 }), { weights: [1, 5, 1], done: stagesDone, current });
        expect(p).toBeGreaterThanOrEqual(last);
        last = p;
      }
    }
  });

  it('moves through a heavy dataset-level stage as the stage reports its share', () => {
    // 100 items done, then a stage of weight 20 half done: (100 + 10) / (100 + 20 + 1).
    const p = progressPercent(task({ done: 100 }), { weights: [20, 1], done: 0, current: 0.5 });
    expect(p).toBe(Math.floor((100 * 110) / 121));
    expect(progressPercent(task({ done: 100 }), { weights: [20, 1], done: 0, current: 7 })).toBe(Math.floor((100 * 120) / 121));
  });

  it('estimates the time left from the rate up to the last counted unit', () => {
    const t = task({ done: 25, lastProgressAt: 10_000 });
    expect(etaSeconds(t, 0)).toBe(30);
    expect(etaSeconds(task({ done: 0 }), 0)).toBeNull();
    expect(etaSeconds(task({ status: 'COMPLETED', done: 100, lastProgressAt: 1 }), 0)).toBeNull();
  });

  it('suggests a Retry-After between 1 and 10 seconds', () => {
    expect(retryAfterSeconds(null, null)).toBe(2);
    expect(retryAfterSeconds(task({ done: 1000, lastProgressAt: 1000 }), 0)).toBe(1);
    expect(retryAfterSeconds(task({ done: 1, lastProgressAt: 60_000 }), 0)).toBe(10);
  });
});
