import type { ClipConfig } from '../config/config.ts';
import { loadClipTokenizer, type ClipTokenizer } from './clip-tokenizer.ts';
import { onnxModel } from './onnx-embedder.ts';
import { lazyOnnxSession } from './onnx-session.ts';
import { l2Normalize } from './vectors.ts';

/**
 * The label of a CLIP pair's vectors: its image tower's identity (file digest and
 * preprocessing). Text-aligned vectors and indexes carry it; a text is searched only in an
 * index made by the same pair.
 */
export const clipModelIdOf = (clip: ClipConfig): string => {
  const model = onnxModel(clip.image);
  return `clip:${model.name}@${model.version}`;
};

export interface ClipTextEncoder {
  /** clipModelIdOf the pair. */
  readonly model: string;
  /** One L2-normalised vector per text, in the image tower's space. */
  encode(texts: readonly string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/**
 * A CLIP text tower run by ONNX Runtime. Its inputs are fed by name: one whose name says
 * "mask" gets the attention mask, any other the token ids (int64, or int32 where the model
 * asks for it), as OpenAI's and HuggingFace's exports name them.
 */
export function createClipTextEncoder(clip: ClipConfig): ClipTextEncoder {
  const session = lazyOnnxSession(clip.text.modelPath);
  let tokenizer: Promise<ClipTokenizer> | null = null;
  const length = clip.text.contextLength;
  return {
    model: clipModelIdOf(clip),
    async encode(texts) {
      const tokens = (await (tokenizer ??= loadClipTokenizer(clip.tokenizer))).tokenize(texts, length);
      const { ort, session: loaded } = await session.get();
      const feeds: Record<string, import('onnxruntime-node').Tensor> = {};
      for (const input of loaded.inputMetadata) {
        const values = /mask/i.test(input.name) ? tokens.mask : tokens.ids;
        const int32 = input.isTensor && input.type === 'int32';
        feeds[input.name] = int32 ? new ort.Tensor('int32', Int32Array.from(values, Number), [texts.length, length]) : new ort.Tensor('int64', values, [texts.length, length]);
      }
      const outputs = await loaded.run(feeds);
      const out = outputs[clip.text.output ?? loaded.outputNames[0]!];
      if (out === undefined) throw new Error(`the CLIP text model has no output ${clip.text.output}`);
      const data = out.data as Float32Array;
      const dim = data.length / texts.length;
      if (dim !== clip.image.dimension) throw new Error(`the CLIP text model returned ${dim} values per text, the image tower's dimension is ${clip.image.dimension}`);
      return texts.map((_, i) => l2Normalize(data.slice(i * dim, (i + 1) * dim)));
    },
    close: () => session.release(),
  };
}
