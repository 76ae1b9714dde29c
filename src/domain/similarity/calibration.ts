import type { LevelCalibration } from './levels.ts';

/**
 * Fitted calibrations, by exact embedding model id. See bench/neardup for how they were
 * measured; a model without one gets no duplicate levels below 1.0 (identical files only),
 * since its cosines mean something else.
 */
const calibrations: readonly LevelCalibration[] = [
  {
    // The default: the same network quantised to 8 bits (precision int8). Same fit as below.
    // At 0.96: precision 1.000, recall 0.923 (held-out halves: 0.961 / 0.962 and 1.000 / 0.969).
    model: 'nsfwjs-mobilenet-v2@nsfwjs@4.3.0/block_13_expand_relu/avg/160px/signed/int8-eafe3ac3/l2-centred-e98e9774+copy-v2',
    weights: { cosine: 0.4873, descriptor: 0.5127 },
    knots: [
      [0.804, 0.96],
      [0.8893, 0.97],
      [0.9086, 0.98],
      [0.9451, 0.985],
      [0.9713, 0.99],
      [0.9903, 0.995],
      [0.9958, 0.999],
    ],
  },
  {
    // precision float32.
    // bench/neardup/calibrate.ts: 1961 files (120 photos × 15 edits, natural copies), k = 10.
    // At 0.96: precision 1.000, recall 0.925 (held-out halves: 0.963 / 0.960 and 1.000 / 0.971).
    model: 'nsfwjs-mobilenet-v2@nsfwjs@4.3.0/block_13_expand_relu/avg/160px/signed/l2-centred-1712477c+copy-v2',
    weights: { cosine: 0.4964, descriptor: 0.5036 },
    knots: [
      [0.8048, 0.96],
      [0.8885, 0.97],
      [0.91, 0.98],
      [0.9439, 0.985],
      [0.971, 0.99],
      [0.9903, 0.995],
      [0.9957, 0.999],
    ],
  },
];

export function calibrationFor(model: string): LevelCalibration | null {
  return calibrations.find((c) => c.model === model) ?? null;
}
