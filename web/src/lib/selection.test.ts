import { describe, expect, it } from 'vitest';
import type { GroupMedia } from '../client.ts';
import { keeperOf, restOf, selectionCsv } from './selection.ts';

const m = (id: string, width: number | null, height: number | null, size: number | null): GroupMedia => ({ media_id: id, file_name: `${id}.jpg`, media_thumb_uri: '', width, height, file_size: size });

describe('keep one, select the rest', () => {
  it('keeps the most pixels, then the largest file, then the first', () => {
    expect(keeperOf([m('a', 100, 100, 10), m('b', 200, 100, 5), m('c', 100, 200, 1)])?.media_id).toBe('b');
    expect(keeperOf([m('a', 100, 100, 10), m('b', 100, 100, 20)])?.media_id).toBe('b');
    expect(keeperOf([m('a', 100, 100, 10), m('b', 100, 100, 10)])?.media_id).toBe('a');
    expect(keeperOf([m('a', null, null, null), m('b', 1, 1, null)])?.media_id).toBe('b');
    expect(keeperOf([])).toBeUndefined();
  });

  it('selects every member but the keeper', () => {
    expect(restOf([m('a', 1, 1, 1), m('b', 2, 2, 2), m('c', 1, 1, 1)]).map((x) => x.media_id)).toEqual(['a', 'c']);
  });

  it('leaves out the frames of the kept video, which name the same file', () => {
    const frame = (id: string, video: string) => ({ ...m(id, 768, 576, null), file_name: video });
    expect(restOf([frame('a', 'walk.avi'), frame('b', 'walk.avi'), frame('c', 'copy.avi'), m('d', 1, 1, 1)]).map((x) => x.media_id)).toEqual(['c', 'd']);
  });

  it('exports CSV with quoted names where needed', () => {
    const csv = selectionCsv([m('a', 1, 1, 1), { ...m('b', 1, 1, 1), file_name: 'x, "y".jpg' }]);
    expect(csv).toBe('media_id,file_name\na,a.jpg\nb,"x, ""y"".jpg"\n');
  });
});
