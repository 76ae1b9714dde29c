import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/folders.ts';
import { createClipTokenizer, loadClipTokenizer, vocabularyOfMerges } from './clip-tokenizer.ts';

/**
 * A tiny merges list; the expected ids below are worked out by hand from OpenAI's rules: byte
 * characters 0–255 (printable bytes first: "!" is 0, "a" is 64), the same with </w> 256–511,
 * merge n is 512 + n, then <|startoftext|> and <|endoftext|>.
 */
const merges: Array<[string, string]> = [
  ['r', 'e'], // 512
  ['re', 'd</w>'], // 513 red
  ['g', 'r'], // 514: ranks after r e, so "green" never forms "gr"
  ['e', 'e'], // 515
  ['gr', 'ee'], // 516
  ['gree', 'n</w>'], // 517
  ['b', 'l'], // 518
  ['bl', 'u'], // 519
  ['blu', 'e</w>'], // 520 blue
  ['t', 'h'], // 521
  ['th', 'e</w>'], // 522 the
];
const START = 512 + merges.length;
const END = START + 1;
const tokenizer = createClipTokenizer(vocabularyOfMerges(merges), merges);

describe('CLIP tokenizer', () => {
  it('gives real CLIP\'s ids for single characters and its marker ids for its 48,894 merges', () => {
    // Real CLIP: "a" → 320, "!" → 256, <|startoftext|> 49406, <|endoftext|> 49407.
    expect(tokenizer.encode('a')).toEqual([320]);
    expect(tokenizer.encode('!')).toEqual([256]);
    const real = vocabularyOfMerges(Array.from({ length: 48_894 }, (_, i) => [`x${i}`, 'y'] as [string, string]));
    expect([real.get('<|startoftext|>'), real.get('<|endoftext|>'), real.get('a</w>'), real.get('!')]).toEqual([49406, 49407, 320, 0]);
  });

  it('merges pairs in rank order, every occurrence at once', () => {
    expect(tokenizer.encode('red')).toEqual([513]);
    expect(tokenizer.encode('blue')).toEqual([520]);
    // r e (rank 0) is merged before g r (rank 2) could be: g, re, e, n</w>.
    expect(tokenizer.encode('green')).toEqual([70, 512, 68, 333]);
  });

  it('lower-cases, collapses whitespace and splits words, punctuation, numbers and contractions', () => {
    expect(tokenizer.encode('  The red,\n\tRED!')).toEqual([522, 513, 267, 513, 256]);
    expect(tokenizer.encode("it's")).toEqual([72, 339, 6, 338]);
    expect(tokenizer.encode('42')).toEqual([275, 273]);
    // UTF-8 bytes C3 A9 as their byte characters Ã and ©.
    expect(tokenizer.encode('é')).toEqual([127, 358]);
  });

  it('frames, cuts and pads to the context length', () => {
    const padded = tokenizer.tokenize(['red', 'red red red'], 6);
    expect([...padded.ids].map(Number)).toEqual([START, 513, END, 0, 0, 0, START, 513, 513, 513, END, 0]);
    expect([...padded.mask].map(Number)).toEqual([1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0]);
    const cut = tokenizer.tokenize(['red red red'], 4);
    expect([...cut.ids].map(Number)).toEqual([START, 513, 513, END]);
  });

  it('loads vocab.json with merges.txt, and HuggingFace tokenizer.json with either merge form', async () => {
    const dir = await tempDir('strata-clip-tok-');
    const vocab = Object.fromEntries(vocabularyOfMerges(merges));
    await writeFile(join(dir, 'vocab.json'), JSON.stringify(vocab));
    await writeFile(join(dir, 'merges.txt'), ['#version: 0.2', ...merges.map((m) => m.join(' ')), ''].join('\n'));
    const { '<|startoftext|>': _s, '<|endoftext|>': _e, ...plain } = vocab;
    const added = [{ id: START, content: '<|startoftext|>' }, { id: END, content: '<|endoftext|>' }];
    await writeFile(join(dir, 'strings.json'), JSON.stringify({ model: { type: 'BPE', vocab: plain, merges: merges.map((m) => m.join(' ')) }, added_tokens: added }));
    await writeFile(join(dir, 'pairs.json'), JSON.stringify({ model: { type: 'BPE', vocab: plain, merges }, added_tokens: added }));
    const loaded = [
      await loadClipTokenizer({ kind: 'vocab+merges', vocabPath: join(dir, 'vocab.json'), mergesPath: join(dir, 'merges.txt') }),
      await loadClipTokenizer({ kind: 'tokenizer.json', path: join(dir, 'strings.json') }),
      await loadClipTokenizer({ kind: 'tokenizer.json', path: join(dir, 'pairs.json') }),
    ];
    for (const t of loaded) expect([...t.tokenize(['The green, blue!'], 8).ids].map(Number)).toEqual([START, 522, 70, 512, 68, 333, 267, END]);
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ model: { type: 'WordPiece', vocab: {} } }));
    await expect(loadClipTokenizer({ kind: 'tokenizer.json', path: join(dir, 'bad.json') })).rejects.toThrow(/no BPE model/);
  });
});
