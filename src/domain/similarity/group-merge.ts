import { duplicateLevels } from './levels.ts';
import { UnionFind } from './union-find.ts';

/** A pair of items and the calibrated similarity level between them. */
export interface LevelEdge {
  a: string;
  b: string;
  level: number;
}

export interface GroupMerge {
  /** Existing groups that join another: every member of `from` moves to `to`, at `level`. */
  relabels: Array<{ level: number; from: number; to: number }>;
  /** Items entering a group (or moving to the one they now belong to). */
  members: Array<{ level: number; groupId: number; itemId: string }>;
}

/**
 * Folds new edges into existing duplicate groups without recomputing them: at each level, the
 * edges reaching it join their items' groups (single linkage, as groups.ts builds them), so two
 * groups an edge links become one (the lower id stays) and items with no group get one — an
 * existing group's id, or a new one from `nextGroupId`. Adding edges only ever merges, so the
 * result is what a full recompute over old edges plus these would give.
 */
export function mergeIntoGroups(
  edges: readonly LevelEdge[],
  existing: ReadonlyMap<string, ReadonlyArray<{ level: number; groupId: number }>>,
  nextGroupId: number,
): GroupMerge {
  const relabels: GroupMerge['relabels'] = [];
  const members: GroupMerge['members'] = [];
  for (const level of duplicateLevels) {
    const reaching = edges.filter((e) => Math.fround(e.level) >= Math.fround(level));
    if (reaching.length === 0) continue;
    const node = new Map<string, number>();
    const nodeOf = (key: string) => node.get(key) ?? (node.set(key, node.size), node.size - 1);
    for (const e of reaching) (nodeOf(`i:${e.a}`), nodeOf(`i:${e.b}`));
    // Each item node brings at most one group node: twice the items is room for both.
    const uf = new UnionFind(node.size * 2);
    const groupOf = new Map<string, number>();
    for (const key of [...node.keys()]) {
      const group = existing.get(key.slice(2))?.find((g) => g.level === level)?.groupId;
      if (group === undefined) continue;
      groupOf.set(key, group);
      uf.union(nodeOf(key), nodeOf(`g:${group}`));
    }
    for (const e of reaching) uf.union(node.get(`i:${e.a}`)!, node.get(`i:${e.b}`)!);

    // Each component keeps its lowest existing group id, or takes a new one.
    const target = new Map<number, number>();
    for (const [key, n] of node) {
      if (!key.startsWith('g:')) continue;
      const root = uf.find(n);
      const id = Number(key.slice(2));
      target.set(root, Math.min(target.get(root) ?? id, id));
    }
    for (const [key, n] of node) {
      const root = uf.find(n);
      if (!target.has(root)) target.set(root, nextGroupId++);
      const to = target.get(root)!;
      if (key.startsWith('g:')) {
        const from = Number(key.slice(2));
        if (from !== to) relabels.push({ level, from, to });
      } else if (groupOf.get(key) !== to) {
        members.push({ level, groupId: to, itemId: key.slice(2) });
      }
    }
  }
  return { relabels, members };
}
