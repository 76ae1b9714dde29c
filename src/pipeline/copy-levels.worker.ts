import { parentPort } from 'node:worker_threads';
import type { PackedDescriptors } from '../domain/similarity/copy-descriptor.ts';
import type { LevelCalibration } from '../domain/similarity/levels.ts';
import { copyLevels, type CopyLevelsRequest } from './copy-levels.ts';

// One user's descriptors at a time (see startCopyLevelsThread), dropped when it lets go.
let packed: PackedDescriptors | null = null;
let calibration: LevelCalibration | null = null;

parentPort!.on('message', (r: CopyLevelsRequest) => {
  if ('packed' in r) {
    packed = r.packed;
    calibration = r.packed === null ? null : r.calibration;
    return;
  }
  const levels = copyLevels(packed!, calibration!, r.pairs, r.cosines);
  parentPort!.postMessage(levels, [levels.buffer]);
});
