/**
 * Embedding benchmark: speed and duplicate-vs-different separation of the image embedders.
 *
 *   node --import tsx bench/embed.ts [--quick] [--no-speed] [--no-workers] [--no-quality]
 *
 * Speed: ms per image for batches of 1, 8, 16 and 32 random images, for the MobileNetV2 of
 * nsfwjs run by TF.js wasm — the fused engine (batch norms folded into the convolutions) at the
 * default feature layer and 224/192/160/128 px, the 1280-d `out_relu` features, and plain
 * tfjs-layers as the reference — and by ONNX Runtime on the same folded weights (exported by
 * src/ml/onnx-export.ts) when `onnxruntime-node` can be loaded: from the project, or from the
 * folder named by STRATA_BENCH_ORT_DIR (a scratch `npm i onnxruntime-node`; it is not a project
 * dependency). Each cell is the best wall time over the repetitions (the machine may be shared;
 * the best run is the least disturbed) and the median CPU time of the process per image (user +
 * system, all threads): CPU time is what a pool of one embedder per core spends. Then images/s
 * of 1 vs 2 worker threads each running one default embedder.
 *
 * Quality: real photos (scripts/fetch-test-media.sh), each embedded as is and after everyday
 * edits (SPEC §7: resize + JPEG, WebP, crops, brightness, small rotation, caption bar), for
 * several feature layers, pixel scalings, input sizes and fits. Per configuration: how many
 * photos with a sibling view of the same scene have it as nearest neighbour; the lowest and
 * mean cosine between a photo and its edits; the highest, 99th-percentile and mean cosine
 * between two different photos; how many edited copies are closer to their original than any
 * two different photos are; and the same after subtracting the mean vector (what an index could
 * do per dataset). Only prints figures; nothing fails on a slow or weak result.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { photosDir } from '../test/helpers/test-media.ts';
import { compileFusedConvNet } from '../src/ml/fused-conv-net.ts';
import { createMobileNetEmbedder } from '../src/ml/mobilenet-embedder.ts';
import {
  mobileNetDefaults,
  type MobileNetEmbedderOptions,
  type MobileNetFeatureLayer,
  type PixelScale,
} from '../src/ml/mobilenet-info.ts';
import { featureExtractorTopology } from '../src/ml/mobilenet-topology.ts';
import { loadNsfwjsMobileNetV2 } from '../src/ml/nsfwjs-weights.ts';
import { exportOnnx } from '../src/ml/onnx-export.ts';
import { ensureWasmBackend, wasmBackendInfo } from '../src/ml/tfjs-wasm.ts';
import { cosine, l2Normalize } from '../src/ml/vectors.ts';
import type { RgbImage } from '../src/ports/embedder.ts';
import { fmt, machineLine, percentile, table } from './lib.ts';

type Fit = 'fill' | 'cover';

interface Runner {
  label: string;
  inputSize: number;
  embed(images: readonly RgbImage[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const batches = [1, 8, 16, 32];

/** Distinct scenes: the photo folder also holds stereo pairs, sequences and size variants. */
const distinctPhotos = [
  'darknet-dog.jpg', 'darknet-eagle.jpg', 'darknet-giraffe.jpg', 'darknet-horses.jpg', 'darknet-kite.jpg',
  'darknet-person.jpg', 'darknet-scream.jpg', 'mate-abstract-Elephants.jpg', 'mate-nature-Aqua.jpg',
  'mate-nature-Dune.jpg', 'mate-nature-FreshFlower.jpg', 'mate-nature-Garden.jpg', 'mate-nature-GreenMeadow.jpg',
  'mate-nature-LadyBird.jpg', 'mate-nature-RainDrops.jpg', 'mate-nature-Storm.jpg', 'mate-nature-TwoWings.jpg',
  'mate-nature-Wood.jpg', 'mate-nature-YellowFlower.jpg', 'opencv-apple.jpg', 'opencv-baboon.jpg',
  'opencv-building.jpg', 'opencv-butterfly.jpg', 'opencv-fruits.jpg', 'opencv-home.jpg', 'opencv-messi5.jpg',
  'opencv-orange.jpg', 'opencv-starry_night.jpg', 'opencv-squirrel_cls.jpg', 'opencv-smarties.png',
  'opencv-board.jpg', 'opencv-graf1.png', 'opencv-leuvenA.jpg', 'opencv-aloeL.jpg', 'opencv-left01.jpg',
  'opencv-basketball1.png', 'opencv-rubberwhale1.png', 'opencv-Blender_Suzanne1.jpg', 'opencv-box_in_scene.png',
  'opencv-sudoku.png', 'opencv-stuff.jpg', 'opencv-blox.jpg', 'opencv-cards.png', 'opencv-chicky_512.png',
  'plasma-Autumn-2560x1600.jpg', 'plasma-BytheWater-2560x1600.jpg', 'plasma-ColdRipple-2560x1600.jpg',
  'plasma-ColorfulCups-2560x1600.jpg', 'plasma-DarkestHour-2560x1600.jpg', 'plasma-EveningGlow-2560x1600.jpg',
  'plasma-FallenLeaf-2560x1600.jpg', 'plasma-Kite-2560x1600.jpg', 'plasma-OneStandsOut-2560x1600.jpg',
  'plasma-PastelHills-3200x2000.jpg', 'plasma-Path-2560x1600.jpg', 'plasma-summer_1am-2560x1600.jpg',
  'skimage-astronaut.png', 'skimage-chelsea.png', 'skimage-coffee.png', 'skimage-coins.png', 'skimage-camera.png',
  'skimage-horse.png', 'skimage-moon.png', 'skimage-rocket.jpg', 'skimage-retina.jpg',
  'skimage-hubble_deep_field.jpg', 'skimage-motorcycle_left.png', 'skimage-brick.png', 'skimage-grass.png',
  'skimage-gravel.png',
];

/** Photos of one scene from another viewpoint or capture: each one's nearest neighbour should be its sibling. */
const sceneFamilies: Array<[string, RegExp]> = [
  ['elephants', /Elephants/], ['suzanne', /Suzanne/], ['aero', /aero\d/], ['aloe', /aloe[LR]/],
  ['basketball', /basketball/], ['ela', /ela_/], ['graf', /graf\d/], ['imageText', /imageText/],
  ['chessboard-calibration', /left\d\d/], ['leuven', /leuven/], ['rubberwhale', /rubberwhale/],
  ['text-blur', /text_(defocus|motion)/], ['chessboard', /chessboard_/], ['motorcycle', /motorcycle/],
];

// ---------------------------------------------------------------- runners

function embedderRunner(options: MobileNetEmbedderOptions, label: string): Runner {
  const embedder = createMobileNetEmbedder({ maxBatch: 32, center: false, ...options });
  return {
    label,
    inputSize: embedder.model.inputSize,
    embed: (images) => embedder.embed(images),
    close: () => embedder.close(),
  };
}

/** onnxruntime-node is not a project dependency: it is benchmarked when it can be found. */
async function loadOrt(): Promise<any | null> {
  const name = 'onnxruntime-node';
  try {
    return await import(name);
  } catch {
    const dir = process.env.STRATA_BENCH_ORT_DIR;
    if (!dir) return null;
    return createRequire(join(dir, 'package.json'))(name);
  }
}

interface OrtConfig {
  inputSize: number;
  threads: number;
  featureLayer: MobileNetFeatureLayer;
  pixelScale: PixelScale;
}

async function ortRunner(ort: any, config: OrtConfig): Promise<Runner> {
  const { inputSize, threads, featureLayer, pixelScale } = config;
  await ensureWasmBackend();
  const files = loadNsfwjsMobileNetV2();
  const weights = tf.io.decodeWeights(files.weightData, files.weightSpecs);
  const net = compileFusedConvNet(featureExtractorTopology(files.modelTopology, inputSize, featureLayer), weights);
  const model = exportOnnx(net, inputSize);
  net.dispose();
  tf.dispose(Object.values(weights));
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const per = inputSize * inputSize * 3;
  const [mul, add] = pixelScale === 'unit' ? [1 / 255, 0] : [1 / 127.5, -1];
  return {
    label: `onnxruntime ${threads} thread${threads > 1 ? 's' : ''}, ${featureLayer}`,
    inputSize,
    async embed(images) {
      const input = new Float32Array(images.length * per);
      images.forEach((image, i) => {
        for (let j = 0; j < per; j++) input[i * per + j] = image.data[j]! * mul + add;
      });
      const out = await session.run({ pixels: new ort.Tensor('float32', input, [images.length, inputSize, inputSize, 3]) });
      const flat = out.features.data as Float32Array;
      const dim = flat.length / images.length;
      return images.map((_, i) => l2Normalize(flat.slice(i * dim, (i + 1) * dim)));
    },
    close: () => session.release(),
  };
}

// ---------------------------------------------------------------- speed

function randomImages(n: number, size: number): RgbImage[] {
  return Array.from({ length: n }, () => {
    const data = new Uint8Array(size * size * 3);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(Math.random() * 256);
    return { data, width: size, height: size, channels: 3 as const };
  });
}

async function timeBatch(runner: Runner, batch: number): Promise<{ wall: number; cpu: number }> {
  const images = randomImages(batch, runner.inputSize);
  await runner.embed(images); // first run of a shape sets up XNNPACK / ORT kernels
  const walls: number[] = [];
  const cpus: number[] = [];
  const budgetMs = quick ? 600 : 2500;
  const started = performance.now();
  while (walls.length < 3 || (performance.now() - started < budgetMs && walls.length < 40)) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await runner.embed(images);
    walls.push((performance.now() - t0) / batch);
    const cpu = process.cpuUsage(cpu0);
    cpus.push((cpu.user + cpu.system) / 1000 / batch);
  }
  return { wall: Math.min(...walls), cpu: percentile([...cpus].sort((a, b) => a - b), 50) };
}

async function speed(ort: any | null): Promise<void> {
  const pooled = { featureLayer: 'out_relu', pixelScale: 'unit' } as const;
  const mid = { featureLayer: mobileNetDefaults.featureLayer, pixelScale: mobileNetDefaults.pixelScale };
  const configs: Array<() => Promise<Runner>> = [
    async () => embedderRunner({ ...pooled, inputSize: 224, engine: 'layers', precision: 'float32' }, 'tfjs-wasm tfjs-layers, out_relu'),
    async () => embedderRunner({ ...pooled, inputSize: 224, engine: 'fused', precision: 'float32' }, 'tfjs-wasm fused, out_relu'),
    ...[224, 192, 160, 128].map((size) => async () =>
      embedderRunner({ inputSize: size, engine: 'fused', precision: 'float32' }, `tfjs-wasm fused, ${mid.featureLayer}`),
    ),
  ];
  if (ort) {
    configs.push(() => ortRunner(ort, { ...pooled, inputSize: 224, threads: 1 }));
    for (const size of [224, 160]) configs.push(() => ortRunner(ort, { ...mid, inputSize: size, threads: 1 }));
    configs.push(() => ortRunner(ort, { ...mid, inputSize: 224, threads: 2 }));
    configs.push(async () => embedderRunner({}, `onnxruntime 1 thread, ${mid.featureLayer}, int8 (default)`));
  }
  const header = ['engine', 'input', ...batches.flatMap((b) => [`b${b} ms`, `b${b} cpu`])];
  const rows = [header];
  for (const make of configs) {
    const runner = await make();
    const cells: string[] = [];
    for (const batch of batches) {
      const { wall, cpu } = await timeBatch(runner, batch);
      cells.push(fmt(wall), fmt(cpu));
    }
    rows.push([runner.label, String(runner.inputSize), ...cells]);
    console.log(`  … ${runner.label} @${runner.inputSize} done`);
    await runner.close();
  }
  console.log('\nms per image (best wall over repetitions) and CPU ms per image (median, all threads):');
  console.log(table(rows));
}

// ---------------------------------------------------------------- worker-thread throughput

interface WorkerJob {
  batches: number;
  batch: number;
  inputSize: number;
}

async function workerMain(job: WorkerJob): Promise<void> {
  const embedder = createMobileNetEmbedder({ inputSize: job.inputSize });
  const images = randomImages(job.batch, job.inputSize);
  await embedder.embed(images);
  parentPort!.postMessage('ready');
  await new Promise((resolve) => parentPort!.once('message', resolve));
  for (let i = 0; i < job.batches; i++) await embedder.embed(images);
  await embedder.close();
  parentPort!.postMessage('done');
}

async function throughput(workers: number, job: WorkerJob): Promise<number> {
  // Worker threads start without the TypeScript loader: register tsx first, as the media pool does.
  const code = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const pool = Array.from({ length: workers }, () => new Worker(code, { eval: true, workerData: job }));
  const next = (w: Worker) => new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
  });
  await Promise.all(pool.map(next));
  const started = performance.now();
  const done = pool.map(next);
  for (const w of pool) w.postMessage('go');
  await Promise.all(done);
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(pool.map((w) => w.terminate()));
  return (workers * job.batches * job.batch) / seconds;
}

async function workerThroughput(): Promise<void> {
  const job: WorkerJob = { batches: quick ? 4 : 12, batch: 16, inputSize: mobileNetDefaults.inputSize };
  const rows = [[`worker threads (1 default embedder each, batch 16, ${job.inputSize} px)`, 'images/s']];
  for (const workers of [1, 2]) rows.push([String(workers), fmt(await throughput(workers, job))]);
  console.log('\n' + table(rows));
}

// ---------------------------------------------------------------- quality

interface Raw {
  data: Buffer;
  width: number;
  height: number;
}

const edits: Record<string, (src: Raw) => Promise<Buffer | Raw>> = {
  'resize 50% + JPEG q60': (s) => fromRaw(s).resize(Math.round(s.width / 2)).jpeg({ quality: 60 }).toBuffer(),
  'WebP q75': (s) => fromRaw(s).webp({ quality: 75 }).toBuffer(),
  'crop 15% off one side': (s) => toRaw(fromRaw(s).extract({ left: 0, top: 0, width: Math.round(s.width * 0.85), height: s.height })),
  'crop to central 90%×90%': (s) => {
    const width = Math.round(s.width * 0.9);
    const height = Math.round(s.height * 0.9);
    return toRaw(fromRaw(s).extract({ left: Math.round((s.width - width) / 2), top: Math.round((s.height - height) / 2), width, height }));
  },
  'brightness +20%': (s) => toRaw(fromRaw(s).modulate({ brightness: 1.2 })),
  'rotate 4° (corners cut)': async (s) => {
    const rotated = await toRaw(fromRaw(s).rotate(4, { background: '#ffffff' }));
    const width = Math.round(s.width * 0.9);
    const height = Math.round(s.height * 0.9);
    return toRaw(fromRaw(rotated).extract({ left: Math.round((rotated.width - width) / 2), top: Math.round((rotated.height - height) / 2), width, height }));
  },
  'caption bar 12% + text': (s) => {
    const bar = Math.round(s.height * 0.12);
    const svg = `<svg width="${s.width}" height="${bar}"><rect width="100%" height="100%" fill="black" fill-opacity="0.7"/>` +
      `<text x="10" y="${Math.round(bar * 0.7)}" font-size="${Math.round(bar * 0.6)}" fill="white" font-family="sans-serif">© Strata sample caption</text></svg>`;
    return toRaw(fromRaw(s).composite([{ input: Buffer.from(svg), gravity: 'south' }]));
  },
};

function fromRaw(s: Raw): sharp.Sharp {
  return sharp(s.data, { raw: { width: s.width, height: s.height, channels: 3 } });
}

async function toRaw(pipeline: sharp.Sharp): Promise<Raw> {
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Upright sRGB, alpha flattened on white, at most 1024 px: the "original" every edit starts from. */
async function workingCopy(path: string): Promise<Raw> {
  return toRaw(sharp(path).rotate().resize(1024, 1024, { fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).toColourspace('srgb'));
}

async function modelInput(image: Buffer | Raw, size: number, fit: Fit): Promise<RgbImage> {
  const pipeline = Buffer.isBuffer(image) ? sharp(image) : fromRaw(image);
  const { data } = await pipeline.flatten({ background: '#ffffff' }).resize(size, size, { fit, position: 'centre' }).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: size, height: size, channels: 3 };
}

interface Variants {
  name: string;
  original: Raw;
  edited: Array<Buffer | Raw>;
}

async function quality(): Promise<void> {
  const dir = await photosDir();
  const names = quick ? distinctPhotos.slice(0, 24) : distinctPhotos;
  const photos: Variants[] = [];
  for (const name of names) {
    const original = await workingCopy(join(dir, name));
    photos.push({ name: basename(name), original, edited: await Promise.all(Object.values(edits).map((edit) => edit(original))) });
  }
  const q = (featureLayer: MobileNetFeatureLayer, pixelScale: PixelScale, inputSize: number, fit: Fit = 'fill') => ({
    label: `${featureLayer} ${pixelScale} ${inputSize} ${fit}`,
    fit,
    make: () => embedderRunner({ featureLayer, pixelScale, inputSize, precision: 'float32' }, ''),
  });
  const defaults = { label: 'default: int8 block_13_expand_relu signed 160 fill', fit: 'fill' as Fit, make: () => embedderRunner({}, '') };
  const folder = (await readdir(dir)).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort();
  const scenes = await Promise.all(folder.map((name) => workingCopy(join(dir, name))));
  const family = folder.map((name) => sceneFamilies.find(([, re]) => re.test(name))?.[0] ?? null);
  const configs = [
    q('out_relu', 'unit', 224),
    q('out_relu', 'signed', 224),
    q('out_relu', 'unit', 160),
    q('block_16_project_BN', 'signed', 224),
    q('block_10_expand_relu', 'signed', 224),
    q('block_13_expand_relu', 'unit', 224),
    q('block_13_expand_relu', 'signed', 224),
    q('block_13_expand_relu', 'signed', 224, 'cover'),
    q('block_13_expand_relu', 'signed', 192),
    q('block_13_expand_relu', 'signed', 160),
    q('block_13_expand_relu', 'signed', 128),
    defaults,
  ];
  const editNames = Object.keys(edits);
  const summary = [['config', 'same-scene NN', 'edit min', 'edit mean', 'diff max', 'diff p99', 'diff mean', 'edits > diff max', 'centred: edit min', 'diff max', 'diff mean', 'edits > diff max', 'closest different pair']];
  const perEdit = [['edit (min / mean cosine to original)', ...configs.map((c) => c.label)]];
  const perEditCells = editNames.map(() => [] as string[]);
  const worstEdits: string[] = [];
  for (const config of configs) {
    const runner = config.make();
    const originals: Float32Array[] = [];
    const editedVectors: Float32Array[][] = [];
    for (const photo of photos) {
      const inputs = await Promise.all([photo.original, ...photo.edited].map((img) => modelInput(img, runner.inputSize, config.fit)));
      const [original, ...rest] = await runner.embed(inputs);
      originals.push(original!);
      editedVectors.push(rest);
    }
    const sceneVectors: Float32Array[] = [];
    for (let i = 0; i < scenes.length; i += 16) {
      const inputs = await Promise.all(scenes.slice(i, i + 16).map((img) => modelInput(img, runner.inputSize, config.fit)));
      sceneVectors.push(...(await runner.embed(inputs)));
    }
    await runner.close();
    const sceneHits = nearestInFamily(sceneVectors, family);
    const { positives, negatives, closest } = scores(originals, editedVectors, photos);
    const maxNegative = negatives.at(-1)!;
    const separated = positives.filter((p) => p > maxNegative).length;
    // What an index would see after subtracting the dataset's mean vector (kNN-side option).
    const centre = meanVector(originals);
    const centred = scores(
      originals.map((v) => minus(v, centre)),
      editedVectors.map((vs) => vs.map((v) => minus(v, centre))),
      photos,
    );
    const centredMax = centred.negatives.at(-1)!;
    const worst = editedVectors
      .flatMap((vs, i) => vs.map((v, e) => ({ score: cosine(originals[i]!, v), what: `${photos[i]!.name} / ${editNames[e]}` })))
      .sort((a, b) => a.score - b.score)
      .slice(0, 3);
    worstEdits.push(`${config.label}: ${worst.map((w) => `${w.what} ${fmt(w.score, 3)}`).join('; ')}`);
    summary.push([
      config.label,
      `${sceneHits.hits}/${sceneHits.of}`,
      fmt(Math.min(...positives), 3),
      fmt(mean(positives), 3),
      fmt(maxNegative, 3),
      fmt(percentile(negatives, 99), 3),
      fmt(mean(negatives), 3),
      `${separated}/${positives.length}`,
      fmt(Math.min(...centred.positives), 3),
      fmt(centredMax, 3),
      fmt(mean(centred.negatives), 3),
      `${centred.positives.filter((p) => p > centredMax).length}/${positives.length}`,
      closest.pair,
    ]);
    editNames.forEach((_, e) => {
      const scores = editedVectors.map((vs, i) => cosine(originals[i]!, vs[e]!));
      perEditCells[e]!.push(`${fmt(Math.min(...scores), 3)} / ${fmt(mean(scores), 3)}`);
    });
    console.log(`  … quality ${config.label} done`);
  }
  editNames.forEach((name, e) => perEdit.push([name, ...perEditCells[e]!]));
  console.log(`\nquality on ${photos.length} distinct photos × ${editNames.length} edits (cosine similarity; "diff" = two different photos);`);
  console.log(`same-scene NN: of the ${folder.length} photos, those with a sibling view of their scene whose nearest neighbour is one:`);
  console.log(table(summary));
  console.log('\n' + table(perEdit));
  console.log('\nlowest edit cosines:\n  ' + worstEdits.join('\n  '));
}

function scores(originals: Float32Array[], edited: Float32Array[][], photos: Variants[]) {
  const positives = edited.flatMap((vs, i) => vs.map((v) => cosine(originals[i]!, v)));
  const negatives: number[] = [];
  let closest = { score: -2, pair: '' };
  for (let i = 0; i < originals.length; i++) {
    for (let j = i + 1; j < originals.length; j++) {
      const score = cosine(originals[i]!, originals[j]!);
      negatives.push(score);
      if (score > closest.score) closest = { score, pair: `${photos[i]!.name} ~ ${photos[j]!.name}` };
    }
  }
  negatives.sort((a, b) => a - b);
  return { positives, negatives, closest };
}

/** How many family members have a sibling as their nearest neighbour among all photos. */
function nearestInFamily(vectors: readonly Float32Array[], family: ReadonlyArray<string | null>) {
  let hits = 0;
  let of = 0;
  vectors.forEach((v, i) => {
    if (!family[i]) return;
    let best = -2;
    let nearest = -1;
    vectors.forEach((w, j) => {
      const score = j === i ? -2 : cosine(v, w);
      if (score > best) [best, nearest] = [score, j];
    });
    of++;
    if (family[nearest] === family[i]) hits++;
  });
  return { hits, of };
}

function meanVector(vectors: readonly Float32Array[]): Float32Array {
  const m = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < v.length; i++) m[i]! += v[i]! / vectors.length;
  return m;
}

function minus(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((x, i) => x - b[i]!);
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

// ---------------------------------------------------------------- main

if (!isMainThread) {
  await workerMain(workerData as WorkerJob);
} else {
  console.log(machineLine());
  await ensureWasmBackend();
  const info = await wasmBackendInfo();
  console.log(`tfjs ${tf.version.tfjs}, wasm backend: SIMD ${info.simd}, threads ${info.threads}`);
  const ort = await loadOrt().catch(() => null);
  console.log(ort ? `onnxruntime-node ${ort.env?.versions?.node ?? ''} found` : 'onnxruntime-node not found: its rows are skipped (set STRATA_BENCH_ORT_DIR)');
  if (!args.has('--no-speed')) await speed(ort);
  if (!args.has('--no-workers')) await workerThroughput();
  if (!args.has('--no-quality')) await quality();
  console.log(`\n${machineLine()}`);
}
