/**
 * Object detection benchmark (node --import tsx bench/detect.ts [N]).
 *
 * 1. The detector alone, in this process on one thread: the CenterNet graph on 512 × 512 inputs
 *    (the darknet sample photos, decoded beforehand), ms per image after a warm-up.
 * 2. End to end, on the real server (STRATA_WORKERS=2): indexes N cached photos (default 150),
 *    then enriches the dataset with OBJECT_DETECTION + IMAGE_TAGGING and times POST
 *    enrich_dataset → the copy READY (copy of rows, detection and crop embeddings per image in
 *    the media workers, the copy's similarity stage), sampling the server's RSS meanwhile.
 * Only prints figures.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { createCenterNetDetector, centerNetInputSize } from '../src/ml/centernet-detector.ts';
import { testMediaDir } from '../test/helpers/test-media.ts';
import { buildFolder, createDataset, fmt, machineLine, memOf, photoFiles, removeDirs, sampleRss, startStrata, table, tempDir, waitDone } from './lib.ts';

async function detectorAlone(): Promise<{ msPerImage: number; images: number }> {
  const dir = join(await testMediaDir(), 'root/usr/share/darknet/data');
  const side = centerNetInputSize;
  const inputs = [];
  for (const name of ['dog.jpg', 'horses.jpg', 'person.jpg', 'kite.jpg', 'eagle.jpg', 'giraffe.jpg', 'scream.jpg']) {
    const file = join(dir, name);
    const meta = await sharp(file).metadata();
    const data = await sharp(file).removeAlpha().resize(side, side, { fit: 'fill' }).raw().toBuffer();
    inputs.push({ image: { data, width: side, height: side, channels: 3 as const }, size: { width: meta.width!, height: meta.height! } });
  }
  const detector = await createCenterNetDetector();
  for (const i of inputs) await detector.detect(i.image, i.size); // warm-up: kernels compiled, memory grown
  const rounds = 3;
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (const i of inputs) await detector.detect(i.image, i.size);
  const ms = performance.now() - start;
  detector.close();
  return { msPerImage: ms / (rounds * inputs.length), images: rounds * inputs.length };
}

async function endToEnd(n: number) {
  const root = await tempDir('strata-bench-detect-root-');
  const dataDir = await tempDir('strata-bench-detect-data-');
  await buildFolder(join(root, 'photos'), await photoFiles(), n);
  const strata = await startStrata({ dataDir, importRoots: [root], env: { STRATA_WORKERS: '2' } });
  try {
    const token = strata.credentials.token;
    const { id, postedAt } = await createDataset(strata.url, token, 'detect', join(root, 'photos'));
    const indexed = await waitDone(strata.url, token, id);
    const rssBefore = (await memOf(strata.pid))!.rssKiB;
    const rss = sampleRss(strata.pid);
    const started = performance.now();
    const res = await fetch(`${strata.url}/api/v1/dataset/${id}/enrich_dataset`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enrichment_models: { OBJECT_DETECTION: 'strata_object_detector_centernet_v00', IMAGE_TAGGING: 'strata_image_tagger_centernet_v00' } }),
    });
    if (res.status !== 200) throw new Error(`enrich_dataset: ${res.status} ${await res.text()}`);
    const copyId = ((await res.json()) as { dataset_id: string }).dataset_id;
    const { dataset, doneAt } = await waitDone(strata.url, token, copyId);
    const peak = await rss.stop();
    if (dataset.status_new !== 'READY') throw new Error(`copy ended ${dataset.status_new}: ${dataset.fatal_error_msg}`);
    const errors = await fetch(`${strata.url}/api/v1/dataset/${copyId}/errors?limit=3`, { headers: { authorization: `Bearer ${token}` } });
    const failed = Number(errors.headers.get('x-total-count'));
    if (failed > 0) console.log(`${failed} detections failed, e.g. ${await errors.text()}`);
    return {
      images: dataset.n_images as number,
      objects: dataset.n_objects as number,
      indexSeconds: (indexed.doneAt - postedAt) / 1000,
      enrichSeconds: (doneAt - started) / 1000,
      rssBeforeMiB: rssBefore / 1024,
      peakRssMiB: peak / 1024,
    };
  } finally {
    await strata.stop();
    await removeDirs([root, dataDir]);
  }
}

const n = Number(process.argv[2] ?? 150);
console.log(machineLine());
const alone = await detectorAlone();
console.log(`detector alone (one thread, TF.js wasm): ${fmt(alone.msPerImage)} ms per 512×512 image over ${alone.images} runs (${fmt(1000 / alone.msPerImage)} images/s)`);
const e2e = await endToEnd(n);
console.log(
  table([
    ['images', 'objects', 'index s', 'enrich s', 'enrich images/s', 'RSS before MiB', 'peak RSS MiB'],
    [String(e2e.images), String(e2e.objects), fmt(e2e.indexSeconds), fmt(e2e.enrichSeconds), fmt(e2e.images / e2e.enrichSeconds), fmt(e2e.rssBeforeMiB, 0), fmt(e2e.peakRssMiB, 0)],
  ]),
);
console.log(machineLine());
