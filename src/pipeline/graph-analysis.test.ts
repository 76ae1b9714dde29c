import { describe, expect, it } from 'vitest';
import { graphOf, type FixtureEdge } from '../domain/similarity/graph-fixture.ts';
import { kindFigureCount } from '../domain/similarity/kind-figures.ts';
import { seededRandom } from '../lib/seeded-random.ts';
import { analyzeGraph, analyzeGraphOffThread, startGraphAnalysisThread } from './graph-analysis.ts';

function randomGraph(seed: number, n: number, k: number) {
  const rnd = seededRandom(seed);
  const rows: FixtureEdge[][] = Array.from({ length: n }, (_, i) =>
    Array.from({ length: k }, () => {
      const j = Math.floor(rnd() * n);
      return j === i ? null : { j, cosine: 2 * rnd() - 1, level: 0.9 + 0.1 * rnd() };
    }),
  );
  const exactOf = Array.from({ length: n }, (_, i) => (i % 17 === 5 ? i - 1 : i));
  return graphOf(k, rows, exactOf);
}

/** Every fifth node a frame of one of three videos, the rest images; a new array per call (analyze transfers it). */
const videoOf = (n: number) => Int32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? i % 3 : -1));

/** Kind figures of n nodes, every seventh one unknown; a new array per call (analyze transfers it). */
const kindFigures = (n: number) => {
  const rnd = seededRandom(n);
  return Float32Array.from({ length: n * kindFigureCount }, (_, s) => (s % 7 === 3 ? Number.NaN : rnd()));
};

const options = { clusterThresholds: [0.9, 0.8, 0.7, 0.6, 0.6], scores: { outlierNeighbours: 3, outlierZ: 3, outlierMinItems: 20 } };

describe('graph analysis off the event loop', () => {
  it('gives exactly what the in-thread analysis gives', async () => {
    const expected = analyzeGraph(randomGraph(7, 500, 6), options, videoOf(500), kindFigures(500));
    const actual = await analyzeGraphOffThread(randomGraph(7, 500, 6), options, videoOf(500), kindFigures(500));
    expect(actual.groups.map((a) => Array.from(a))).toEqual(expected.groups.map((a) => Array.from(a)));
    expect(actual.clusters.map((a) => Array.from(a))).toEqual(expected.clusters.map((a) => Array.from(a)));
    expect(actual.clusterTables.map((t) => Object.values(t).map((a) => Array.from(a as Int32Array)))).toEqual(expected.clusterTables.map((t) => Object.values(t).map((a) => Array.from(a as Int32Array))));
    for (const key of Object.keys(expected.scores) as Array<keyof typeof expected.scores>) {
      expect(Array.from(actual.scores[key]), key).toEqual(Array.from(expected.scores[key]));
    }
  });

  it('answers on a thread started long before it is asked, and a thread never asked is simply handed back', async () => {
    const early = startGraphAnalysisThread();
    const unused = startGraphAnalysisThread();
    await new Promise((r) => setTimeout(r, 1500));
    const expected = analyzeGraph(randomGraph(9, 300, 5), options, videoOf(300), kindFigures(300));
    const actual = await early.analyze(randomGraph(9, 300, 5), options, videoOf(300), kindFigures(300));
    expect(actual.groups.map((a) => Array.from(a))).toEqual(expected.groups.map((a) => Array.from(a)));
    await early.close();
    await unused.close();
    await early.close();
  });

  it('refuses to analyse once closed', async () => {
    const thread = startGraphAnalysisThread();
    await thread.close();
    await expect(thread.analyze(randomGraph(3, 50, 3), options, videoOf(50), kindFigures(50))).rejects.toThrow(/closed/);
  });

  it('reports a thread that died while analysing, and the next thread still answers', async () => {
    const thread = startGraphAnalysisThread();
    const broken = { ...options, clusterThresholds: null } as unknown as typeof options;
    await expect(thread.analyze(randomGraph(3, 50, 3), broken, videoOf(50), kindFigures(50))).rejects.toThrow();
    await thread.close();
    const next = startGraphAnalysisThread();
    const expected = analyzeGraph(randomGraph(4, 80, 3), options, videoOf(80), kindFigures(80));
    const actual = await next.analyze(randomGraph(4, 80, 3), options, videoOf(80), kindFigures(80));
    expect(actual.clusters.map((a) => Array.from(a))).toEqual(expected.clusters.map((a) => Array.from(a)));
    await next.close();
  });

  it('reuses a released thread for the next analysis, with the same answers', async () => {
    for (const seed of [11, 12, 13]) {
      const thread = startGraphAnalysisThread();
      const expected = analyzeGraph(randomGraph(seed, 200, 4), options, videoOf(200), kindFigures(200));
      const actual = await thread.analyze(randomGraph(seed, 200, 4), options, videoOf(200), kindFigures(200));
      expect(actual.groups.map((a) => Array.from(a))).toEqual(expected.groups.map((a) => Array.from(a)));
      await thread.close();
    }
  });
});
