/**
 * Writes src/ml/mobilenet-feature-mean.json: the mean MobileNetV2 feature vector of natural
 * photos, which the embedder subtracts before normalising (see `center` in mobilenet-info.ts).
 * Computed over the originals of the labelled set (the Debian photo packages: photos, scans,
 * renders, textures, wallpapers), through the pipeline's own decoding and resizing.
 *
 *   node --import tsx bench/neardup/feature-mean.ts
 *
 * Re-run only when the model configuration changes: a new mean is a new model version, and
 * every dataset re-embeds.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeImageFile } from '../../src/media/analyze-image.ts';
import { createMobileNetEmbedder } from '../../src/ml/mobilenet-embedder.ts';
import { modelIdOf } from '../../src/ml/embedders.ts';
import { labelledSet } from './labelled-set.ts';

const out = fileURLToPath(new URL('../../src/ml/mobilenet-feature-mean.json', import.meta.url));
const set = await labelledSet();
const originals = set.files.filter((f) => f.edit === 'original');
const embedder = createMobileNetEmbedder({ center: false });
const size = embedder.model.inputSize;
const sum = new Float64Array(embedder.model.dimension);
for (const f of originals) {
  const a = await analyzeImageFile(join(set.dir, f.file), { maxPixels: 100_000_000, thumbnailSize: 256, embedInputSize: size });
  const [v] = await embedder.embed([{ data: a.embedInput!, width: size, height: size, channels: 3 }]);
  v!.forEach((x, i) => (sum[i]! += x));
}
await embedder.close();
const values = Array.from(sum, (x) => Math.round((x / originals.length) * 1e6) / 1e6);
const rawVersion = embedder.model.version;
// Other configurations' means stay.
const file = JSON.parse(await readFile(out, 'utf8')) as { means: Record<string, unknown> };
file.means[rawVersion] = { source: `mean of ${originals.length} photos (bench/neardup originals)`, values };
await writeFile(out, `${JSON.stringify(file)}\n`);
console.log(`${modelIdOf(embedder.model)}: mean of ${originals.length} photos written to ${out}`);
