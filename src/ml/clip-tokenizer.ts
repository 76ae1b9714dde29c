import { readFile } from 'node:fs/promises';

/**
 * CLIP's byte-level BPE tokenizer, as OpenAI's simple_tokenizer.py and HuggingFace's
 * CLIPTokenizer encode text: NFC, whitespace collapsed, lower case; split into words, numbers
 * and punctuation runs; each piece's UTF-8 bytes mapped to printable characters, its last marked
 * with `</w>`, then merged pair by pair in the merges' order. A text becomes
 * `<|startoftext|> … <|endoftext|>`, cut to the context length (the end marker kept) and padded
 * with zeros.
 */
export interface ClipTokenizer {
  /** Token ids of the text without start and end markers. */
  encode(text: string): number[];
  /** The model's input for each text: `contextLength` ids, and 1 where a token is (0 for padding). */
  tokenize(texts: readonly string[], contextLength: number): { ids: BigInt64Array; mask: BigInt64Array };
}

export type TokenizerFiles = { kind: 'tokenizer.json'; path: string } | { kind: 'vocab+merges'; vocabPath: string; mergesPath: string };

const START = '<|startoftext|>';
const END = '<|endoftext|>';
const PIECES = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

/** GPT-2's map of the 256 byte values to printable characters (printable bytes map to themselves). */
export const byteCharacters: readonly string[] = (() => {
  const printable: number[] = [];
  for (const [from, to] of [[0x21, 0x7e], [0xa1, 0xac], [0xae, 0xff]] as const) for (let b = from; b <= to; b++) printable.push(b);
  const chars: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) chars[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  return chars;
})();

/**
 * The vocabulary CLIP's merges imply, built the way OpenAI's tokenizer builds it: the 256 byte
 * characters (in the order printable bytes first), the same with `</w>`, one entry per merge,
 * then the two markers. Real CLIP's vocab.json is exactly this for its 48,894 merges.
 */
export function vocabularyOfMerges(merges: ReadonlyArray<readonly [string, string]>): Map<string, number> {
  const order = [...byteCharacters.map((c, b) => [c, b] as const)].sort((a, b) => rankOfByte(a[1]) - rankOfByte(b[1])).map(([c]) => c);
  const tokens = [...order, ...order.map((c) => `${c}</w>`), ...merges.map(([a, b]) => a + b), START, END];
  return new Map(tokens.map((t, i) => [t, i]));
}

/** Printable bytes come first in OpenAI's list, the others after, each group in byte order. */
function rankOfByte(b: number): number {
  const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  return printable ? b : 256 + b;
}

export function createClipTokenizer(vocab: ReadonlyMap<string, number>, merges: ReadonlyArray<readonly [string, string]>): ClipTokenizer {
  const ranks = new Map(merges.map(([a, b], i) => [`${a} ${b}`, i]));
  const start = vocab.get(START);
  const end = vocab.get(END);
  if (start === undefined || end === undefined) throw new Error(`the CLIP vocabulary has no ${START} or ${END}`);
  const cache = new Map<string, number[]>();

  function bpe(piece: string): string[] {
    const chars = [...piece];
    let word = [...chars.slice(0, -1), `${chars[chars.length - 1]}</w>`];
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      const [first, second] = [word[best]!, word[best + 1]!];
      // Every occurrence of the best pair merges at once, left to right.
      const merged: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i++;
        } else merged.push(word[i]!);
      }
      word = merged;
    }
    return word;
  }

  function encodePiece(piece: string): number[] {
    let ids = cache.get(piece);
    if (ids === undefined) {
      const mapped = [...new TextEncoder().encode(piece)].map((b) => byteCharacters[b]!).join('');
      ids = bpe(mapped).map((token) => {
        const id = vocab.get(token);
        if (id === undefined) throw new Error(`the CLIP vocabulary has no token ${JSON.stringify(token)} its merges make`);
        return id;
      });
      if (cache.size < 10_000) cache.set(piece, ids);
    }
    return ids;
  }

  const encode = (text: string): number[] => {
    const clean = text.normalize('NFC').replace(/\s+/gu, ' ').trim().toLowerCase();
    return [...clean.matchAll(PIECES)].flatMap(([piece]) => (piece === START ? [start] : piece === END ? [end] : encodePiece(piece)));
  };

  return {
    encode,
    tokenize(texts, contextLength) {
      const ids = new BigInt64Array(texts.length * contextLength);
      const mask = new BigInt64Array(texts.length * contextLength);
      texts.forEach((text, n) => {
        const tokens = [start, ...encode(text)].slice(0, contextLength - 1);
        tokens.push(end);
        tokens.forEach((t, i) => {
          ids[n * contextLength + i] = BigInt(t);
          mask[n * contextLength + i] = 1n;
        });
      });
      return { ids, mask };
    },
  };
}

/** Merges as "a b" lines (merges.txt, the first `#version` line skipped) or HF's [a, b] pairs. */
function parseMerges(entries: readonly unknown[]): Array<[string, string]> {
  return entries.flatMap((entry): Array<[string, string]> => {
    if (Array.isArray(entry) && entry.length === 2) return [[String(entry[0]), String(entry[1])]];
    if (typeof entry !== 'string' || entry.startsWith('#version') || entry.trim() === '') return [];
    const parts = entry.trim().split(' ');
    if (parts.length !== 2) throw new Error(`bad merge ${JSON.stringify(entry)}: expected two tokens`);
    return [[parts[0]!, parts[1]!]];
  });
}

/** Loads the tokenizer from HuggingFace's tokenizer.json, or from vocab.json and merges.txt. */
export async function loadClipTokenizer(files: TokenizerFiles): Promise<ClipTokenizer> {
  if (files.kind === 'tokenizer.json') {
    const json = JSON.parse(await readFile(files.path, 'utf8')) as {
      model?: { type?: string; vocab?: Record<string, number>; merges?: unknown[] };
      added_tokens?: Array<{ id: number; content: string }>;
    };
    const model = json.model;
    if (model?.type !== 'BPE' || model.vocab === undefined || model.merges === undefined) throw new Error(`${files.path} holds no BPE model (model.vocab and model.merges)`);
    const vocab = new Map(Object.entries(model.vocab));
    for (const t of json.added_tokens ?? []) vocab.set(t.content, t.id);
    return createClipTokenizer(vocab, parseMerges(model.merges));
  }
  const vocab = new Map(Object.entries(JSON.parse(await readFile(files.vocabPath, 'utf8')) as Record<string, number>));
  return createClipTokenizer(vocab, parseMerges((await readFile(files.mergesPath, 'utf8')).split('\n')));
}
