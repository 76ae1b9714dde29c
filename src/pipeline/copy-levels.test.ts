import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { photosDir } from '../../test/helpers/test-media.ts';
import { calibrationFor } from '../domain/similarity/calibration.ts';
import { descriptorCosine, packDescriptors } from '../domain/similarity/copy-descriptor.ts';
import { forEachEdge } from '../domain/similarity/knn-graph.ts';
import { similarityLevel } from '../domain/similarity/levels.ts';
import { seededRandom } from '../lib/seeded-random.ts';
import { copyDescriptorOf } from '../media/analyze-image.ts';
import { decodeImage, type DecodedImage } from '../media/image-decode.ts';
import { toGray } from '../media/image-metrics.ts';
import { usearchBackend } from '../index/usearch-index.ts';
import { startCopyLevelsThreads } from './copy-levels.ts';
import { levelledGraph } from './levelled-graph.ts';

const model = 'nsfwjs-mobilenet-v2@nsfwjs@4.3.0/block_13_expand_relu/avg/160px/signed/int8-eafe3ac3/l2-centred-e98e9774+copy-v7';
const calibration = calibrationFor(model)!;

type Pixels = DecodedImage['pixels'];

/** The central 90 %, 12 levels brighter: a copy the local check has to align. */
function editedCopy(p: Pixels): Pixels {
  const [left, top] = [Math.floor(p.width * 0.05), Math.floor(p.height * 0.05)];
  const [width, height, c] = [p.width - 2 * left, p.height - 2 * top, p.channels];
  const data = Buffer.alloc(width * height * c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < c; k++) {
        const v = p.data[((y + top) * p.width + x + left) * c + k]!;
        data[(y * width + x) * c + k] = k < 3 ? Math.min(255, v + 12) : v;
      }
    }
  }
  return { data, width, height, channels: c };
}

const descriptorOf = (p: Pixels) => copyDescriptorOf(p, toGray(p.data, p.width, p.height, p.channels));

/** Real photos and an edited copy of each, alternating. */
let descriptors: Uint8Array[];
beforeAll(async () => {
  const dir = await photosDir();
  const files = (await readdir(dir)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().slice(0, 14);
  descriptors = [];
  for (const file of files) {
    const { pixels } = await decodeImage(join(dir, file), { maxPixels: 100_000_000, workingSize: 256 });
    descriptors.push(descriptorOf(pixels), descriptorOf(editedCopy(pixels)));
  }
}, 60_000);

/**
 * Every unordered pair twice (several batches), as the graph gives them: each with an embedding
 * cosine near the duplicate levels, two in three with the edge the other way too.
 */
function candidatePairs(n: number): Array<{ i: number; j: number; cosine: number; other: number }> {
  const rnd = seededRandom(5);
  const pairs = [];
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push({ i, j, cosine: 0.85 + 0.15 * rnd(), other: rnd() < 2 / 3 ? 0.85 + 0.15 * rnd() : NaN });
  }
  return pairs;
}

/** Slot 2m is pair m's edge, slot 2m + 1 the edge the other way (NaN when it has none). */
async function levelsInThreads(ds: Uint8Array[], pairs: ReturnType<typeof candidatePairs>, threads: number): Promise<number[]> {
  const levels = new Array<number>(2 * pairs.length).fill(NaN);
  const checks = startCopyLevelsThreads(ds, calibration, threads, (slot, level) => (levels[slot] = level));
  try {
    pairs.forEach((p, m) => (Number.isNaN(p.other) ? checks.queue(p.i, p.j, 2 * m, p.cosine) : checks.queue(p.i, p.j, 2 * m, p.cosine, 2 * m + 1, p.other)));
    await checks.settled();
  } finally {
    await checks.close();
  }
  return levels;
}

/** What the direct calls give, in the slots of levelsInThreads. */
function directLevels(ds: Uint8Array[], pairs: ReturnType<typeof candidatePairs>): number[] {
  const packed = packDescriptors(ds);
  return pairs.flatMap((p) => {
    const descriptor = descriptorCosine(packed, p.i, p.j);
    return [similarityLevel(calibration, p.cosine, descriptor), Number.isNaN(p.other) ? NaN : similarityLevel(calibration, p.other, descriptor)];
  });
}

describe('copy levels in their threads', () => {
  it('gives exactly the levels of the direct call, both edges of a pair from one check, on two threads', async () => {
    const pairs = candidatePairs(descriptors.length);
    const direct = directLevels(descriptors, pairs);
    expect(await levelsInThreads(descriptors, pairs, 2)).toEqual(direct);
    // Both verdicts occur: each photo with its edited copy is a duplicate, most other pairs are not.
    const copyPairs = pairs.flatMap((p, m) => (p.i >> 1 === p.j >> 1 ? [2 * m] : []));
    expect(copyPairs.filter((m) => direct[m]! >= 0.96).length).toBeGreaterThan(copyPairs.length / 2);
    expect(direct.filter((l) => l < 0.96).length).toBeGreaterThan(pairs.length / 2);
  }, 120_000);

  it('answers the next user from its own descriptors when the threads are reused', async () => {
    const half = descriptors.slice(0, 8);
    const reversed = [...half].reverse();
    const pairs = candidatePairs(half.length);
    expect(await levelsInThreads(half, pairs, 2)).toEqual(directLevels(half, pairs));
    expect(await levelsInThreads(reversed, pairs, 1)).toEqual(directLevels(reversed, pairs));
  }, 120_000);

  it('settles when nothing was queued, and refuses to settle once closed', async () => {
    const checks = startCopyLevelsThreads(descriptors.slice(0, 2), calibration, 2, () => {});
    await checks.settled();
    await checks.close();
    checks.queue(0, 1, 0, 0.9);
    await expect(checks.settled()).rejects.toThrow(/closed/);
    await checks.close();
  });

  it('fails, not waits, when a descriptor cannot be packed', async () => {
    const checks = startCopyLevelsThreads([descriptors[0]!, descriptors[1]!.subarray(1)], calibration, 2, () => {});
    checks.queue(0, 1, 0, 0.9);
    await expect(checks.settled()).rejects.toThrow(/descriptor 1 has/);
    await checks.close();
  });
});

describe('levelledGraph', () => {
  it('levels both edges of a pair from one check, identical bytes at 1', async () => {
    const n = descriptors.length;
    const dimensions = 8;
    const rnd = seededRandom(9);
    // Each photo and its copy close together, so most rows hold both copies and look-alikes.
    const vectors = Float32Array.from({ length: n * dimensions }, (_, c) => Math.sin(Math.floor(c / dimensions / 2) * 7 + (c % dimensions)) + 0.1 * rnd());
    // Added in the reverse order of the nodes: the later node of a pair is its earlier-added item.
    const seqs = Array.from({ length: n }, (_, i) => 100 + n - i);
    const exactOf = Int32Array.from(seqs, (_, i) => (i === 5 ? 4 : i));
    const index = await usearchBackend().create(dimensions);
    try {
      await index.add(seqs, vectors);
      const pages = async function* () {
        yield { keys: seqs, vectors };
      };
      const g = await levelledGraph(index, pages(), { seqs, exactOf, descriptors: [...descriptors] }, model, 6, 2, async () => {});
      const packed = packDescriptors(descriptors);
      const expected = new Float32Array(n * g.k);
      forEachEdge(g, (i, j, s) => {
        expected[s] = exactOf[i] === exactOf[j] ? 1 : similarityLevel(calibration, g.cosine[s]!, descriptorCosine(packed, Math.max(i, j), Math.min(i, j)));
      });
      expect(Array.from(g.level)).toEqual(Array.from(expected));
      expect(g.level.filter((l) => l >= 0.96).length).toBeGreaterThan(n);
      // Most pairs of the graph have both edges, which the check above covers.
      let both = 0;
      forEachEdge(g, (i, j) => (both += g.neighbors.subarray(j * g.k, (j + 1) * g.k).includes(i) ? 1 : 0));
      expect(both).toBeGreaterThan(n * g.k / 2);
    } finally {
      await index.close();
    }
  }, 120_000);
});
