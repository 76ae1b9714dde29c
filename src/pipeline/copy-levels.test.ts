import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { photosDir } from '../../test/helpers/test-media.ts';
import { calibrationFor } from '../domain/similarity/calibration.ts';
import { descriptorCosine, packDescriptors } from '../domain/similarity/copy-descriptor.ts';
import { similarityLevel } from '../domain/similarity/levels.ts';
import { seededRandom } from '../lib/seeded-random.ts';
import { copyDescriptorOf } from '../media/analyze-image.ts';
import { decodeImage, type DecodedImage } from '../media/image-decode.ts';
import { toGray } from '../media/image-metrics.ts';
import { knnGraph } from '../index/knn-graph.ts';
import { usearchBackend } from '../index/usearch-index.ts';
import { startCopyLevelsThread } from './copy-levels.ts';
import { levelledGraph } from './levelled-graph.ts';

const model = 'nsfwjs-mobilenet-v2@nsfwjs@4.3.0/block_13_expand_relu/avg/160px/signed/int8-eafe3ac3/l2-centred-e98e9774+copy-v6';
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

/** Every ordered pair twice (more than one batch), each with an embedding cosine near the duplicate levels. */
function candidatePairs(n: number): Array<{ i: number; j: number; cosine: number }> {
  const rnd = seededRandom(5);
  const pairs = [];
  for (let round = 0; round < 2; round++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) pairs.push({ i, j, cosine: 0.85 + 0.15 * rnd() });
  return pairs;
}

async function levelsInThread(ds: Uint8Array[], pairs: ReturnType<typeof candidatePairs>): Promise<number[]> {
  const levels = new Array<number>(pairs.length).fill(NaN);
  const thread = startCopyLevelsThread(packDescriptors(ds), calibration, (slot, level) => (levels[slot] = level));
  try {
    pairs.forEach((p, slot) => thread.queue(slot, p.i, p.j, p.cosine));
    await thread.settled();
  } finally {
    await thread.close();
  }
  return levels;
}

describe('copy levels in their thread', () => {
  it('gives exactly the levels of the direct call, for copies and look-alikes alike', async () => {
    const pairs = candidatePairs(descriptors.length);
    const packed = packDescriptors(descriptors);
    const direct = pairs.map((p) => similarityLevel(calibration, p.cosine, descriptorCosine(packed, p.i, p.j)));
    expect(await levelsInThread(descriptors, pairs)).toEqual(direct);
    // Both verdicts occur: each photo with its edited copy is a duplicate, most other pairs are not.
    const copyPairs = pairs.flatMap((p, m) => (p.i >> 1 === p.j >> 1 ? [m] : []));
    expect(copyPairs.filter((m) => direct[m]! >= 0.96).length).toBeGreaterThan(copyPairs.length / 2);
    expect(direct.filter((l) => l < 0.96).length).toBeGreaterThan(pairs.length / 2);
  }, 120_000);

  it('answers the next user from its own descriptors when the thread is reused', async () => {
    const half = descriptors.slice(0, 8);
    const reversed = [...half].reverse();
    const pairs = candidatePairs(half.length);
    const expected = (ds: Uint8Array[]) => {
      const packed = packDescriptors(ds);
      return pairs.map((p) => similarityLevel(calibration, p.cosine, descriptorCosine(packed, p.i, p.j)));
    };
    expect(await levelsInThread(half, pairs)).toEqual(expected(half));
    expect(await levelsInThread(reversed, pairs)).toEqual(expected(reversed));
  }, 120_000);

  it('settles at once when nothing was queued, and refuses to settle once closed', async () => {
    const thread = startCopyLevelsThread(packDescriptors(descriptors.slice(0, 2)), calibration, () => {});
    await thread.settled();
    await thread.close();
    thread.queue(0, 0, 1, 0.9);
    await expect(thread.settled()).rejects.toThrow(/closed/);
    await thread.close();
  });
});

describe('levelledGraph', () => {
  it('levels every edge as the direct call does, identical bytes at 1', async () => {
    const n = descriptors.length;
    const dimensions = 8;
    const rnd = seededRandom(9);
    // Each photo and its copy close together, so most rows hold both copies and look-alikes.
    const vectors = Float32Array.from({ length: n * dimensions }, (_, c) => Math.sin(Math.floor(c / dimensions / 2) * 7 + (c % dimensions)) + 0.1 * rnd());
    const seqs = Array.from({ length: n }, (_, i) => 100 + i);
    const exactOf = Int32Array.from(seqs, (_, i) => (i === 5 ? 4 : i));
    const index = await usearchBackend().create(dimensions);
    try {
      await index.add(seqs, vectors);
      const pages = async function* () {
        yield { keys: seqs, vectors };
      };
      const g = await levelledGraph(index, pages(), { seqs, exactOf, descriptors: [...descriptors] }, model, 6, async () => {});
      // The same search again gives the rows, and so the cosines, the graph was built from.
      const packed = packDescriptors(descriptors);
      const expected = new Float32Array(n * g.k);
      for await (const row of knnGraph(index, pages(), g.k)) {
        const i = Number(row.key) - 100;
        row.neighbors.forEach((nb, m) => {
          const j = Number(nb.key) - 100;
          expected[i * g.k + m] = exactOf[i] === exactOf[j] ? 1 : similarityLevel(calibration, 1 - nb.distance, descriptorCosine(packed, i, j));
        });
      }
      expect(Array.from(g.level)).toEqual(Array.from(expected));
      expect(g.level.filter((l) => l >= 0.96).length).toBeGreaterThan(n);
    } finally {
      await index.close();
    }
  }, 120_000);
});
