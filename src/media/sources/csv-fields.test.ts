import { describe, expect, it } from 'vitest';
import { csvFields, csvRecords } from './csv-fields.ts';

async function records(text: string) {
  const lines = async function* () {
    yield* text.split(/\r?\n/);
  };
  const out = [];
  for await (const r of csvRecords(lines())) out.push(r);
  return out;
}

describe('csvRecords', () => {
  it('reads a quoted field over several lines, with doubled quotes, as one record at its first line', async () => {
    expect(await records('a,b\n1,"x, ""y""\n\nz"\n2,w\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', 'x, "y"\n\nz'] },
      { line: 5, fields: ['2', 'w'] },
    ]);
  });

  it('reports a quote never closed at its line, and reads the lines after it again', async () => {
    expect(await records('a,b\n1,"open\n2,two\n\n3,three\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, error: 'a quoted field is not closed' },
      { line: 3, fields: ['2', 'two'] },
      { line: 5, fields: ['3', 'three'] },
    ]);
  });

  it('keeps a quote inside an unquoted field as written', async () => {
    expect(await records('5" screen,ok\n')).toEqual([{ line: 1, fields: ['5" screen', 'ok'] }]);
    expect(csvFields(' "a, b" , c')).toEqual(['a, b', 'c']);
  });
});
