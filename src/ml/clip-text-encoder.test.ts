import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centred, COLOURS, writeColourClip } from '../../test/helpers/clip-models.ts';
import { tempDir } from '../../test/helpers/folders.ts';
import { loadConfig, type ClipConfig } from '../config/config.ts';
import { clipModelIdOf, createClipTextEncoder, type ClipTextEncoder } from './clip-text-encoder.ts';
import { createOnnxEmbedder } from './onnx-embedder.ts';
import { l2Normalize } from './vectors.ts';

const unit = (v: readonly number[]) => [...l2Normalize(Float32Array.from(v))];

describe('a CLIP pair through ONNX Runtime (tiny colour towers)', () => {
  let clip: ClipConfig;
  let text: ClipTextEncoder;

  beforeAll(async () => {
    const { env } = await writeColourClip(await tempDir('strata-clip-'));
    clip = loadConfig(env).multimodal.clip!;
    text = createClipTextEncoder(clip);
  });
  afterAll(() => text.close());

  it('encodes texts through the tokenizer and the text tower, L2-normalised', async () => {
    const [red, green, mixed, none] = await text.encode(['A RED car', 'green', 'red and green', 'a photo']);
    for (const [got, want] of [[red, COLOURS.red], [green, COLOURS.green], [mixed, COLOURS.yellow]] as const) {
      [...got!].forEach((v, i) => expect(v).toBeCloseTo(unit(centred(want))[i]!, 5));
    }
    expect([...none!]).toEqual([0, 0, 0]);
    expect(text.model).toBe(clipModelIdOf(clip));
  });

  it('encodes images with the image tower into the same space', async () => {
    const images = createOnnxEmbedder(clip.image);
    const size = clip.image.inputSize;
    const solid = (rgb: readonly number[]) => ({ data: Buffer.alloc(size * size * 3).map((_, i) => rgb[i % 3]!), width: size, height: size, channels: 3 as const });
    const [red, blue] = await images.embed([solid([220, 40, 30]), solid([20, 30, 200])]);
    const [redText] = await text.encode(['red']);
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    expect(cos(red!, redText!)).toBeGreaterThan(0.99);
    expect(cos(blue!, redText!)).toBeLessThan(0);
    await images.close();
  });
});
