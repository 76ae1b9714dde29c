import { describe, expect, it } from 'vitest';
import { annotationsByItem, boxOutside, cocoRowsOf, imageRowOf, objectRowOf, pixelBox } from './annotations.ts';

const ref = { file: 'object_annotations.csv', row: 2 };

describe('annotation rows', () => {
  it('reads an object row, and says why a bad one is not', () => {
    expect(objectRowOf({ filename: 'a.jpg', col_x: '1', row_y: '2.5', width: '10', height: '20', label: 'cat' }, ref)).toEqual({
      kind: 'object',
      target: 'a.jpg',
      label: 'cat',
      box: { x: 1, y: 2.5, width: 10, height: 20 },
      ref,
    });
    const reason = (r: Record<string, unknown>) => (objectRowOf({ filename: 'a.jpg', col_x: 1, row_y: 2, width: 3, height: 4, label: 'cat', ...r }, ref) as { reason?: string }).reason;
    expect(reason({ col_x: '1px' })).toBe('x is not a number: "1px"');
    expect(reason({ width: '' })).toBe('width is not a number: ""');
    expect(reason({ height: 0 })).toMatch(/no area/);
    expect(reason({ row_y: -1 })).toMatch(/negative/);
    expect(reason({ label: ' ' })).toBe('missing label');
    expect(reason({ filename: undefined })).toBe('missing filename');
  });

  it('reads an image row with a label, a caption or both', () => {
    expect(imageRowOf({ filename: 'a.jpg', label: 'cat' }, ref)).toMatchObject({ kind: 'image', label: 'cat', caption: null });
    expect(imageRowOf({ filename: 'a.jpg', label: '', caption: 'A cat' }, ref)).toMatchObject({ kind: 'image', label: null, caption: 'A cat' });
    expect(imageRowOf({ filename: 'a.jpg', label: null }, ref)).toMatchObject({ kind: 'failure', reason: 'missing label' });
  });

  it('reads COCO: boxes as objects, box-less annotations as labels and captions, bad ones by position', () => {
    const rows = cocoRowsOf(
      {
        images: [{ id: 7, file_name: 'a.jpg' }],
        categories: [{ id: 1, name: 'cat' }],
        annotations: [
          { image_id: 7, category_id: 1, bbox: [1, 2, 3, 4] },
          { image_id: 7, category_id: 1 },
          { image_id: 7, caption: 'A cat' },
          { image_id: 8, category_id: 1 },
          { image_id: 7, category_id: 2, bbox: [1, 2, 3, 4] },
          { image_id: 7, category_id: 1, bbox: [1, 2, 3] },
          { image_id: 7 },
        ],
      },
      'annotations.json',
    );
    expect(rows.map((r) => (r.kind === 'failure' ? `${r.ref.row} ${r.reason}` : `${r.ref.row} ${r.kind}`))).toEqual([
      '1 object',
      '2 image',
      '3 image',
      '4 unknown image_id 8',
      '5 unknown category_id 2',
      '6 bbox must be [x, y, width, height]',
      '7 missing label',
    ]);
    expect(cocoRowsOf([], 'annotations.json')).toEqual([{ kind: 'failure', ref: { file: 'annotations.json', row: 0 }, reason: expect.stringMatching(/not a COCO file/) }]);
  });

  it('accepts a box reaching a pixel past the edge, cut there, and refuses one further out', () => {
    expect(boxOutside({ x: 0, y: 0, width: 100.6, height: 50 }, 100, 50)).toBeNull();
    expect(pixelBox({ x: 0, y: 0, width: 100.6, height: 50 }, 100, 50)).toEqual({ x: 0, y: 0, width: 100, height: 50 });
    expect(boxOutside({ x: 90, y: 0, width: 12, height: 50 }, 100, 50)).toMatch(/outside the 100×50 image/);
  });
});

describe('annotationsByItem', () => {
  const items = [
    { id: 'i1', fileName: 'shots/a.jpg', kind: 'image' },
    { id: 'i2', fileName: 'x/b.jpg', kind: 'image' },
    { id: 'i3', fileName: 'y/b.jpg', kind: 'image' },
    { id: 'v1', fileName: 'clip.mp4', kind: 'video' },
  ];
  const row = (target: string, label: string) => ({ kind: 'image' as const, target, label, caption: null, ref });

  it('matches by path as listed, else by a base name only one image has', () => {
    const { byItem, failures } = annotationsByItem([row('./shots/a.jpg', 'cat'), row('a.jpg', 'pet'), row('a.jpg', 'cat'), row('x\\b.jpg', 'dog'), row('b.jpg', 'dog'), row('clip.mp4', 'x')], items);
    expect(byItem.get('i1')).toEqual({ labels: ['cat', 'pet'], caption: null, boxes: [] });
    expect(byItem.get('i2')?.labels).toEqual(['dog']);
    expect(failures.map((f) => f.reason)).toEqual(['unknown file "b.jpg": no such image in the dataset\'s files', '"clip.mp4" is not an image: annotations apply to images']);
  });
});
