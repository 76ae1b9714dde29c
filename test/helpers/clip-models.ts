import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { vocabularyOfMerges } from '../../src/ml/clip-tokenizer.ts';
import { int, valueInfo } from '../../src/ml/onnx-export.ts';
import { ProtoMessage } from '../../src/ml/protobuf-writer.ts';

/**
 * A tiny CLIP pair whose two towers share a space with real meaning: colour. The image tower
 * averages the pixels (x / 255, NCHW) and removes the grey part, so an image's vector is its
 * mean colour's hue direction; the text tower sums one vector per token, "red", "green" and
 * "blue" being those colours' directions and every other token zero. Written as real ONNX
 * files with CLIP's tokenizer files (vocab.json + merges.txt, and the same as tokenizer.json).
 */
export const COLOURS = { red: [1, 0, 0], green: [0, 1, 0], blue: [0, 0, 1], yellow: [1, 1, 0] } as const;
type Colour = keyof typeof COLOURS;

/** Each colour word becomes one token; "green" merges before "r e" can split it. */
const merges: Array<[string, string]> = [
  ['g', 'r'], ['gr', 'e'], ['gre', 'e'], ['gree', 'n</w>'],
  ['r', 'e'], ['re', 'd</w>'],
  ['b', 'l'], ['bl', 'u'], ['blu', 'e</w>'],
  ['y', 'e'], ['ye', 'l'], ['yel', 'l'], ['yell', 'o'], ['yello', 'w</w>'],
];

/** (r, g, b) minus its mean: what the image tower's centring makes of a colour. */
export function centred(rgb: readonly number[]): number[] {
  const mean = (rgb[0]! + rgb[1]! + rgb[2]!) / 3;
  return rgb.map((v) => v - mean);
}

function initializer(graph: ProtoMessage, name: string, dims: number[], data: Float32Array | BigInt64Array): void {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  graph.message(5, new ProtoMessage().ints(1, dims).int(2, data instanceof Float32Array ? 1 : 7).string(8, name).bytes(9, bytes));
}

function node(graph: ProtoMessage, op: string, inputs: string[], output: string, attributes: ProtoMessage[] = []): void {
  const n = new ProtoMessage().strings(1, inputs).string(2, output).string(3, `${op}_${output}`).string(4, op);
  for (const a of attributes) n.message(5, a);
  graph.message(1, n);
}

function model(graph: ProtoMessage): Uint8Array {
  return new ProtoMessage().int(1, 8).string(2, 'strata-test').message(7, graph).message(8, new ProtoMessage().string(1, '').int(2, 13)).finish();
}

/** pixels [n, 3, size, size] → GlobalAveragePool → Flatten → × (I − 1/3) → embedding [n, 3]. */
function imageTower(size: number): Uint8Array {
  const graph = new ProtoMessage().string(2, 'clip-image');
  initializer(graph, 'centring', [3, 3], Float32Array.from([2, -1, -1, -1, 2, -1, -1, -1, 2], (v) => v / 3));
  node(graph, 'GlobalAveragePool', ['pixels'], 'pooled');
  node(graph, 'Flatten', ['pooled'], 'mean', [int('axis', 1)]);
  node(graph, 'MatMul', ['mean', 'centring'], 'embedding');
  graph.message(11, valueInfo('pixels', ['batch', 3, size, size]));
  graph.message(12, valueInfo('embedding', ['batch', 3]));
  return model(graph);
}

/** input_ids [n, length] (int64) → Gather rows of a token table → ReduceSum over tokens → [n, 3]. */
function textTower(vocab: ReadonlyMap<string, number>, length: number): Uint8Array {
  const table = new Float32Array(vocab.size * 3);
  for (const [word, rgb] of Object.entries(COLOURS)) table.set(centred(rgb), vocab.get(`${word}</w>`)! * 3);
  const graph = new ProtoMessage().string(2, 'clip-text');
  initializer(graph, 'tokens', [vocab.size, 3], table);
  initializer(graph, 'token_axis', [1], BigInt64Array.from([1n]));
  node(graph, 'Gather', ['tokens', 'input_ids'], 'per_token', [int('axis', 0)]);
  node(graph, 'ReduceSum', ['per_token', 'token_axis'], 'text_embeds', [int('keepdims', 0)]);
  graph.message(11, valueInfo('input_ids', ['batch', length], 7));
  graph.message(12, valueInfo('text_embeds', ['batch', 3]));
  return model(graph);
}

/** Writes the pair and its tokenizer files into `dir`; returns the environment that configures them. */
export async function writeColourClip(dir: string): Promise<{ env: Record<string, string>; vocab: ReadonlyMap<string, number> }> {
  const size = 32;
  const length = 77;
  const vocab = vocabularyOfMerges(merges);
  await writeFile(join(dir, 'clip-image.onnx'), imageTower(size));
  await writeFile(join(dir, 'clip-text.onnx'), textTower(vocab, length));
  await writeFile(join(dir, 'vocab.json'), JSON.stringify(Object.fromEntries(vocab)));
  await writeFile(join(dir, 'merges.txt'), ['#version: 0.2', ...merges.map((m) => m.join(' '))].join('\n'));
  return {
    vocab,
    env: {
      STRATA_CLIP_IMAGE_ONNX: join(dir, 'clip-image.onnx'),
      STRATA_CLIP_IMAGE_DIMENSION: '3',
      STRATA_CLIP_IMAGE_INPUT_SIZE: String(size),
      STRATA_CLIP_IMAGE_MEAN: '0,0,0',
      STRATA_CLIP_IMAGE_STD: '1,1,1',
      STRATA_CLIP_TEXT_ONNX: join(dir, 'clip-text.onnx'),
      STRATA_CLIP_VOCAB: join(dir, 'vocab.json'),
      STRATA_CLIP_MERGES: join(dir, 'merges.txt'),
    },
  };
}

export type { Colour };
