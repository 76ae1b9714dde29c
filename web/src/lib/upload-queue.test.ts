import { describe, expect, it } from 'vitest';
import { batchProgress, uploadAll, type FileProgress } from './upload-queue.ts';

const file = (name: string, size: number) => new File([new Uint8Array(size)], name);

describe('uploading many files', () => {
  it('sends every file, never more than `concurrency` at once, and reports each one', async () => {
    let running = 0;
    let peak = 0;
    const seen: Array<[number, FileProgress['state']]> = [];
    const files = Array.from({ length: 7 }, (_, i) => file(`f${i}.jpg`, 10 + i));
    const result = await uploadAll(
      files,
      3,
      async (f, onProgress) => {
        running++;
        peak = Math.max(peak, running);
        await Promise.resolve();
        onProgress(f.size / 2);
        await Promise.resolve();
        running--;
      },
      (i, p) => seen.push([i, p.state]),
    );
    expect(peak).toBe(3);
    expect(result.map((p) => [p.name, p.state, p.loaded])).toEqual(files.map((f) => [f.name, 'done', f.size]));
    for (let i = 0; i < files.length; i++) expect(seen.filter(([j]) => j === i).map(([, s]) => s)).toEqual(['uploading', 'uploading', 'done']);
  });

  it('records a failed file with its reason and goes on with the rest', async () => {
    const result = await uploadAll(
      [file('a.jpg', 1), file('bad.jpg', 1), file('c.jpg', 1)],
      2,
      async (f) => {
        if (f.name === 'bad.jpg') throw new Error('refused');
      },
      () => {},
    );
    expect(result.map((p) => p.state)).toEqual(['done', 'failed', 'done']);
    expect(result[1]!.error).toBe('refused');
  });
});

describe('files sent in one request', () => {
  const files = [
    { name: 'a.jpg', size: 100 },
    { name: 'empty.txt', size: 0 },
    { name: 'b.jpg', size: 50 },
  ];
  const view = (loaded: number) => batchProgress(files, loaded).map((p) => `${p.name} ${p.loaded} ${p.state}`);

  it('lays the bytes sent over the files in order', () => {
    expect(view(0)).toEqual(['a.jpg 0 waiting', 'empty.txt 0 uploading', 'b.jpg 0 waiting']);
    expect(view(60)).toEqual(['a.jpg 60 uploading', 'empty.txt 0 uploading', 'b.jpg 0 waiting']);
    expect(view(120)).toEqual(['a.jpg 100 uploading', 'empty.txt 0 uploading', 'b.jpg 20 uploading']);
  });

  it('caps each file at its size when the count includes the request around them', () => {
    expect(batchProgress(files, 10_000).map((p) => p.loaded)).toEqual([100, 0, 50]);
  });
});
