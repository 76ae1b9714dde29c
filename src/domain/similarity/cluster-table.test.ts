import { describe, expect, it } from 'vitest';
import { clusterTable } from './cluster-table.ts';

const rows = (t: ReturnType<typeof clusterTable>) =>
  Array.from(t.clusterId, (clusterId, rank) => ({ rank, clusterId, size: t.size[rank], nImages: t.nImages[rank], nFrames: t.nFrames[rank], nVideos: t.nVideos[rank] }));

describe('clusterTable', () => {
  it('counts images, frames and distinct videos per cluster, biggest first and ties by id', () => {
    // clusters:      0  0  1  1  1  2  3  3  1  2
    // video of:     -1  7  7  7  9 -1  4  4 -1 -1
    const labels = Int32Array.of(0, 0, 1, 1, 1, 2, 3, 3, 1, 2);
    const videoOf = Int32Array.of(-1, 7, 7, 7, 9, -1, 4, 4, -1, -1);
    expect(rows(clusterTable(labels, videoOf))).toEqual([
      { rank: 0, clusterId: 1, size: 4, nImages: 1, nFrames: 3, nVideos: 2 },
      { rank: 1, clusterId: 0, size: 2, nImages: 1, nFrames: 1, nVideos: 1 },
      { rank: 2, clusterId: 2, size: 2, nImages: 2, nFrames: 0, nVideos: 0 },
      { rank: 3, clusterId: 3, size: 2, nImages: 0, nFrames: 2, nVideos: 1 },
    ]);
  });

  it('has an entry per cluster, sizes summing to the items, for many singletons too', () => {
    const n = 100_000;
    const labels = Int32Array.from({ length: n }, (_, i) => (i < 1000 ? 0 : i - 999));
    const t = clusterTable(labels, new Int32Array(n).fill(-1));
    // Cluster 0 holds the first 1000 items; the others are singletons 1 … n − 1000.
    expect(t.clusterId.length).toBe(n - 999);
    expect(t.size.reduce((a, b) => a + b, 0)).toBe(n);
    expect([t.clusterId[0], t.size[0], t.clusterId[1], t.size[1], t.clusterId[n - 1000], t.size[n - 1000]]).toEqual([0, 1000, 1, 1, n - 1000, 1]);
  });

  it('refuses labels and video entries of different lengths', () => {
    expect(() => clusterTable(new Int32Array(3), new Int32Array(2))).toThrow(RangeError);
  });
});
