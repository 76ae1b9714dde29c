import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iou } from '../domain/detection/detections.ts';
import { loadConfig } from '../config/config.ts';
import type { DetectedObject, MediaProcessor } from '../ports/media-processor.ts';
import { testMediaDir } from '../../test/helpers/test-media.ts';
import { createMediaProcessor } from './media-processor.ts';

/**
 * The COCO detector through the media workers, on darknet's and OpenCV's sample photos (Debian
 * packages darknet and opencv-doc) whose content is known. Each expected object must be found with its label at a box
 * overlapping where it is (boxes read off the photos, in their pixels).
 */
const expected: Record<string, Array<{ label: string; box: [number, number, number, number] }>> = {
  'dog.jpg': [
    { label: 'dog', box: [128, 224, 186, 318] },
    { label: 'bicycle', box: [120, 125, 450, 320] },
    { label: 'car', box: [468, 75, 220, 95] },
  ],
  'horses.jpg': [
    { label: 'horse', box: [430, 205, 175, 145] },
    { label: 'horse', box: [0, 185, 315, 230] },
  ],
  'person.jpg': [{ label: 'person', box: [185, 100, 95, 280] }],
  'kite.jpg': [{ label: 'kite', box: [585, 78, 85, 80] }, { label: 'person', box: [210, 690, 70, 165] }],
  'eagle.jpg': [{ label: 'bird', box: [125, 80, 495, 370] }],
  'giraffe.jpg': [
    { label: 'giraffe', box: [160, 25, 300, 410] },
    { label: 'zebra', box: [300, 200, 125, 250] },
  ],
  // The whole orange in the top left corner; the halved fruits are not asked for.
  'fruits.jpg': [{ label: 'orange', box: [0, 0, 150, 105] }],
  'messi5.jpg': [
    { label: 'person', box: [70, 60, 385, 275] },
    { label: 'sports ball', box: [338, 288, 50, 48] },
  ],
};
const OPENCV_PHOTOS = new Set(['fruits.jpg', 'messi5.jpg']);

let media: MediaProcessor;
let dir: string;
const found = new Map<string, DetectedObject[]>();

beforeAll(async () => {
  const root = await testMediaDir();
  dir = join(root, 'root/usr/share/darknet/data');
  const opencv = join(root, 'root/usr/share/doc/opencv-doc/examples/data');
  media = createMediaProcessor(loadConfig({ STRATA_WORKERS: '1' }));
  for (const name of Object.keys(expected)) found.set(name, await media.detectObjects(join(OPENCV_PHOTOS.has(name) ? opencv : dir, name)));
}, 180_000);
afterAll(async () => media?.close());

describe('object detection (CenterNet, COCO)', () => {
  it.each(Object.keys(expected))('finds what %s shows, where it is', (name) => {
    const objects = found.get(name)!;
    for (const want of expected[name]!) {
      const [x, y, width, height] = want.box;
      const match = objects.filter((o) => o.label === want.label).map((o) => iou(o.box, { x, y, width, height }));
      expect(Math.max(0, ...match), `${want.label} in ${name}: ${JSON.stringify(objects.map((o) => [o.label, o.box]))}`).toBeGreaterThan(0.5);
    }
  });

  it('gives each object a confidence, a box inside the image and its crop\'s embedding', () => {
    for (const objects of found.values()) {
      for (const o of objects) {
        expect(o.confidence).toBeGreaterThanOrEqual(0.3);
        expect(o.confidence).toBeLessThanOrEqual(1);
        expect(o.box.x).toBeGreaterThanOrEqual(0);
        expect(o.box.width).toBeGreaterThan(0);
        expect(o.embedding.model).toBe(media.embeddingModel);
        const norm = Math.hypot(...o.embedding.vector);
        expect(norm).toBeCloseTo(1, 3);
      }
    }
    // Two horses look more alike than a horse and the bicycle.
    const horses = found.get('horses.jpg')!.filter((o) => o.label === 'horse');
    const bicycle = found.get('dog.jpg')!.find((o) => o.label === 'bicycle')!;
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    expect(cos(horses[0]!.embedding.vector, horses[1]!.embedding.vector)).toBeGreaterThan(cos(horses[0]!.embedding.vector, bicycle.embedding.vector));
  });

  it('finds nothing in a painting with no COCO object, and refuses a file that is no image', async () => {
    expect(await media.detectObjects(join(dir, 'scream.jpg'))).toEqual([]);
    await expect(media.detectObjects(join(dir, 'coco.names'))).rejects.toThrow(/unsupported/);
  });
});
