import type { LevelCalibration } from './levels.ts';

/**
 * Fitted calibrations, by embedding model id prefix. See bench/neardup for how they were
 * measured; a model without one gets no duplicate levels below 1.0 (identical files only),
 * since its cosines mean something else.
 */
const calibrations: readonly LevelCalibration[] = [
  {
    model: 'nsfwjs-mobilenet-v2@nsfwjs@4.3.0/block_13_expand_relu/avg/160px/signed',
    hashPenalty: 0.005,
    hashFreeBits: 8,
    knots: [
      [0.8, 0.96],
      [0.85, 0.97],
      [0.9, 0.98],
      [0.93, 0.985],
      [0.96, 0.99],
      [0.98, 0.995],
      [0.995, 0.999],
    ],
  },
];

export function calibrationFor(model: string): LevelCalibration | null {
  return calibrations.find((c) => c.model === model) ?? null;
}
