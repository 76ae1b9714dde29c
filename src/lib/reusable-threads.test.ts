import { afterEach, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { reusableThreads } from './reusable-threads.ts';

// Answers each number with its double; `exit` makes it end itself.
const entry = new URL(
  'data:text/javascript,' +
    encodeURIComponent(`import { parentPort } from 'node:worker_threads';
parentPort.on('message', (m) => (m === 'exit' ? process.exit(0) : parentPort.postMessage(m * 2)));`),
);

const ask = (w: Worker, m: unknown) => new Promise((resolve) => (w.once('message', resolve), w.postMessage(m)));
const ended = (w: Worker) => new Promise<number>((resolve) => w.once('exit', resolve));

describe('reusableThreads', () => {
  const started: Worker[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((w) => w.terminate()));
  });

  it('hands a released thread to the next user, and starts a new one when none is idle', async () => {
    const threads = reusableThreads(entry);
    const a = threads.acquire();
    const b = threads.acquire();
    started.push(a, b);
    expect(a).not.toBe(b);
    expect(await ask(a, 2)).toBe(4);
    threads.release(a);
    const again = threads.acquire();
    expect(again).toBe(a);
    expect(again.threadId).toBe(a.threadId);
    expect(await ask(again, 5)).toBe(10);
  });

  it('ends a thread left idle for idleMs, and never hands it out again', async () => {
    const threads = reusableThreads(entry, 50);
    const a = threads.acquire();
    started.push(a);
    threads.release(a);
    await ended(a);
    const b = threads.acquire();
    started.push(b);
    expect(b).not.toBe(a);
    expect(await ask(b, 1)).toBe(2);
  });

  it('ends a discarded thread without telling its last user, and never hands it out', async () => {
    const threads = reusableThreads(entry);
    const a = threads.acquire();
    started.push(a);
    let heard = 0;
    a.on('exit', () => heard++);
    await threads.discard(a); // resolves once the thread has ended
    expect(heard).toBe(0);
    const b = threads.acquire();
    started.push(b);
    expect(b).not.toBe(a);
  });

  it('drops an idle thread that ends by itself', async () => {
    const threads = reusableThreads(entry);
    const a = threads.acquire();
    started.push(a);
    threads.release(a);
    const exit = ended(a);
    a.postMessage('exit');
    await exit;
    const b = threads.acquire();
    started.push(b);
    expect(b).not.toBe(a);
  });
});
