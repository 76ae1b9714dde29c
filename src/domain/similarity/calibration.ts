import type { LevelCalibration } from './levels.ts';

/**
 * Fitted calibrations, by exact embedding model id. See bench/neardup for how they were
 * measured; a model without one gets no duplicate levels below 1.0 (identical files only),
 * since its cosines mean something else.
 */
const calibrations: readonly LevelCalibration[] = [
  {
    // bench/neardup/calibrate.ts: 1961 files (120 photos × 15 edits, natural copies), k = 10.
    // At 0.96: precision 1.000, recall 0.929 (held-out halves: 0.965 / 0.968 and 1.000 / 0.977).
    model: 'nsfwjs-mobilenet-v2@nsfwjs@4.3.0/block_13_expand_relu/avg/160px/signed/l2-centred-1712477c',
    weights: { cosine: 0.4689, descriptor: 0.5311 },
    knots: [
      [0.8021, 0.96],
      [0.8959, 0.97],
      [0.9125, 0.98],
      [0.9466, 0.985],
      [0.9721, 0.99],
      [0.9906, 0.995],
      [0.9959, 0.999],
    ],
  },
];

export function calibrationFor(model: string): LevelCalibration | null {
  return calibrations.find((c) => c.model === model) ?? null;
}
