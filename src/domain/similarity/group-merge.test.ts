import { describe, expect, it } from 'vitest';
import { mergeIntoGroups } from './group-merge.ts';
import { duplicateLevels } from './levels.ts';

const at = (level: number, ...entries: Array<[string, number]>) => new Map(entries.map(([id, groupId]) => [id, [{ level, groupId }]]));

describe('mergeIntoGroups', () => {
  it('puts a new copy of an old item into a new group at every level its edge reaches', () => {
    const { members, relabels } = mergeIntoGroups([{ a: 'new', b: 'old', level: 0.985 }], new Map(), 10);
    expect(relabels).toEqual([]);
    const levels = duplicateLevels.filter((l) => l <= 0.985);
    expect(members).toHaveLength(levels.length * 2);
    for (const level of levels) {
      const atLevel = members.filter((m) => m.level === level);
      expect(atLevel.map((m) => m.itemId).sort()).toEqual(['new', 'old']);
      expect(new Set(atLevel.map((m) => m.groupId)).size).toBe(1);
    }
  });

  it('joins an existing group, keeping its id, and writes only the new member', () => {
    const { members, relabels } = mergeIntoGroups([{ a: 'new', b: 'old', level: 1 }], at(1, ['old', 4]), 10);
    expect(relabels).toEqual([]);
    expect(members.filter((m) => m.level === 1)).toEqual([{ level: 1, groupId: 4, itemId: 'new' }]);
    // Below 1.0 the old item had no group recorded in this fixture: both get a new one there.
    expect(members.filter((m) => m.level === 0.96).map((m) => m.groupId)).toEqual([10, 10]);
  });

  it('merges two groups a new item links, into the lower id', () => {
    const existing = new Map([
      ['x', [{ level: 0.96, groupId: 7 }]],
      ['y', [{ level: 0.96, groupId: 3 }]],
    ]);
    const { members, relabels } = mergeIntoGroups(
      [
        { a: 'new', b: 'x', level: 0.96 },
        { a: 'new', b: 'y', level: 0.96 },
      ],
      existing,
      10,
    );
    expect(relabels).toEqual([{ level: 0.96, from: 7, to: 3 }]);
    expect(members).toEqual([
      { level: 0.96, groupId: 3, itemId: 'new' },
      { level: 0.96, groupId: 3, itemId: 'x' },
    ]);
  });

  it('changes nothing for edges below every level', () => {
    expect(mergeIntoGroups([{ a: 'a', b: 'b', level: 0.5 }], new Map(), 0)).toEqual({ relabels: [], members: [] });
  });
});
