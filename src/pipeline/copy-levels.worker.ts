import { parentPort } from 'node:worker_threads';
import type { PackedDescriptors } from '../domain/similarity/copy-descriptor.ts';
import type { LevelCalibration } from '../domain/similarity/levels.ts';
import { copyLevels, packShared, type CopyLevelsReply, type CopyLevelsRequest } from './copy-levels.ts';

// One user's descriptors at a time (see startCopyLevelsThreads), dropped when it lets go.
let packed: PackedDescriptors | null = null;
let calibration: LevelCalibration | null = null;

const reply = (r: CopyLevelsReply, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(r, transfer);

parentPort!.on('message', (r: CopyLevelsRequest) => {
  if ('pack' in r) return reply({ packed: packShared(r.pack) });
  if ('packed' in r) {
    packed = r.packed;
    calibration = r.packed === null ? null : r.calibration;
    return;
  }
  const levels = copyLevels(packed!, calibration!, r.pairs, r.cosines);
  reply({ levels }, [levels.buffer]);
});
