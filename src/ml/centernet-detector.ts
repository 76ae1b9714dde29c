import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { cocoLabels } from '../domain/detection/coco-labels.ts';
import { suppressOverlaps, type Detection } from '../domain/detection/detections.ts';
import type { RgbImage } from '../ports/embedder.ts';
import { ensureWasmBackend } from './tfjs-wasm.ts';

/**
 * COCO object detection with the MobileNetV3 CenterNet graph that ships in @vladmandic/human
 * (models/centernet.json + .bin, 4 MB): read from the package's own files, nothing downloaded.
 * Pre- and post-processing follow the package's src/object/centernet.ts: the whole image
 * stretched to 512 × 512, float RGB 0–255 (the graph normalises itself), the `detections`
 * output as 100 rows of x1, y1, x2, y2 (input pixels), score, class index; then NMS.
 */
export const centerNetInputSize = 512;

export const centerNetModel = { id: 'centernet-coco', name: 'CenterNet MobileNetV3 (COCO, 80 classes)', version: '@vladmandic/human@3.3.6' } as const;

export interface DetectorOptions {
  minConfidence: number;
  iouThreshold: number;
  maxDetections: number;
}

/** The package's own defaults, with room for more objects per image than its 10 (a crowd, a kite festival). */
export const defaultDetectorOptions: DetectorOptions = { minConfidence: 0.3, iouThreshold: 0.4, maxDetections: 20 };

export interface ObjectDetector {
  /** `image` is the whole image stretched to centerNetInputSize²; boxes come back in `size` pixels. */
  detect(image: RgbImage, size: { width: number; height: number }): Promise<Detection[]>;
  close(): void;
}

/**
 * The package's models folder, found by path: its `exports` map names no subpath for it (nor
 * for package.json), so the folder is reached from the main file, dist/human.node.js.
 */
function modelsDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(dirname(require.resolve('@vladmandic/human'))), 'models');
}

/**
 * TF.js loads graph models over fetch, which Node cannot point at a file; this handler hands it
 * the json and weight files read from disk instead.
 */
function fileHandler(dir: string, jsonFile: string): tf.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(await readFile(join(dir, jsonFile), 'utf8')) as {
        modelTopology: object;
        weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
        format?: string;
        generatedBy?: string;
        convertedBy?: string;
        signature?: object;
      };
      const parts = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
      const weights = Buffer.concat(parts);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
        ...(json.format !== undefined && { format: json.format }),
        ...(json.generatedBy !== undefined && { generatedBy: json.generatedBy }),
        ...(json.convertedBy !== undefined && { convertedBy: json.convertedBy }),
        ...(json.signature !== undefined && { signature: json.signature }),
      };
    },
  };
}

export async function createCenterNetDetector(options: DetectorOptions = defaultDetectorOptions): Promise<ObjectDetector> {
  await ensureWasmBackend();
  const model = await tf.loadGraphModel(fileHandler(modelsDir(), 'centernet.json'));
  const side = centerNetInputSize;
  return {
    async detect(image, size) {
      if (image.width !== side || image.height !== side) throw new Error(`detector input must be ${side}×${side}, got ${image.width}×${image.height}`);
      const input = tf.tensor4d(Float32Array.from(image.data), [1, side, side, 3]);
      const output = model.execute(input, ['tower_0/detections']) as tf.Tensor;
      let rows: number[][];
      try {
        rows = ((await output.array()) as number[][][])[0]!;
      } finally {
        input.dispose();
        output.dispose();
      }
      const sx = size.width / side;
      const sy = size.height / side;
      const candidates: Detection[] = [];
      for (const [x1, y1, x2, y2, score, cls] of rows) {
        const label = cocoLabels[cls!];
        if (label === undefined || !(score! > 0)) continue;
        const left = Math.max(0, Math.round(x1! * sx));
        const top = Math.max(0, Math.round(y1! * sy));
        const right = Math.min(size.width, Math.round(x2! * sx));
        const bottom = Math.min(size.height, Math.round(y2! * sy));
        if (right - left < 1 || bottom - top < 1) continue;
        candidates.push({ label, confidence: Math.round(score! * 1000) / 1000, box: { x: left, y: top, width: right - left, height: bottom - top } });
      }
      return suppressOverlaps(candidates, { minConfidence: options.minConfidence, iouThreshold: options.iouThreshold, max: options.maxDetections });
    },
    close: () => model.dispose(),
  };
}
