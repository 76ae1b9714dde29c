/**
 * Why held-out pictures pair or do not: precision and recall per kind with the shipped
 * calibration (as held-out.ts, without refitting), then the false edges at 0.96 (candidate
 * pairs of different pictures whose combined score reaches the 0.96 knot) and the candidate
 * (original, edit) pairs left in different groups, with their file paths, cosine, descriptor
 * score and local and border differences (copy-verification.ts). Only the given kind's with an argument.
 *
 *   node --import tsx bench/neardup/false-pairs.ts [kind]
 */
import { join } from 'node:path';
import { calibrationFor } from '../../src/domain/similarity/calibration.ts';
import { gridsOf } from '../../src/domain/similarity/copy-descriptor.ts';
import { differences } from '../../src/domain/similarity/copy-verification.ts';
import { UnionFind } from '../../src/domain/similarity/union-find.ts';
import { broadSet, kinds, type BroadFile } from './broad-set.ts';
import { candidatePairs, groupScores } from './calibrate.ts';
import { heldOutPools } from './held-out.ts';

const kind = process.argv[2];
const { model, heldOut } = await heldOutPools();
const dir = (await broadSet()).dir;
const cal = calibrationFor(model)!;
const t = cal.knots[0]![0];
const files = heldOut.files as BroadFile[];
const cands = candidatePairs(heldOut.features);
for (const k of kinds) {
  const idx = files.flatMap((f, i) => (f.kind === k ? [i] : []));
  const sub = candidatePairs(idx.map((i) => heldOut.features[i]!));
  const s = groupScores(idx.map((i) => files[i]!), sub, (c) => cal.weights.cosine * c.cosine + cal.weights.descriptor * c.descriptor, t);
  console.log(`${k} precision ${s.precision.toFixed(3)} recall ${s.recall.toFixed(3)}`);
}
const z = (c: (typeof cands)[number]) => cal.weights.cosine * c.cosine + cal.weights.descriptor * c.descriptor;
const grids = (i: number) => gridsOf(heldOut.features[i]!.copyDescriptor);
const diff = (c: (typeof cands)[number]) => differences(grids(c.i), grids(c.j));
const uf = new UnionFind(files.length);
for (const c of cands) if (c.identical || z(c) >= t) uf.union(c.i, c.j);
const line = (c: (typeof cands)[number]) =>
  `cos ${c.cosine.toFixed(3)} desc ${c.descriptor.toFixed(3)} z ${z(c).toFixed(3)} local ${diff(c).local.toFixed(2)} border ${diff(c).border.toFixed(2)}\n  ${join(dir, files[c.i]!.file)}\n  ${join(dir, files[c.j]!.file)}`;
console.log(`knot 0.96 at z ${t}`);
for (const c of cands) {
  const [a, b] = [files[c.i]!, files[c.j]!];
  if (a.group === b.group || z(c) < t || c.identical) continue;
  if (kind && a.kind !== kind && b.kind !== kind) continue;
  console.log(`FALSE ${a.kind}/${b.kind} ${line(c)}`);
}
const labels = uf.labels(true);
for (const c of cands) {
  const [a, b] = [files[c.i]!, files[c.j]!];
  if (a.group !== b.group || (kind && a.kind !== kind) || labels[c.i] === labels[c.j]) continue;
  if (a.edit !== 'original' && b.edit !== 'original') continue;
  console.log(`MISSED ${a.kind} ${a.edit}/${b.edit} ${line(c)}`);
}
