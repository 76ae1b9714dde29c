import { describe, expect, it } from 'vitest';
import { duplicateLevels } from './similarity/levels.ts';
import { parseVql, snapDuplicateLevel, VqlError, type VqlProblem } from './vql.ts';

/** Parses `filters` serialized as JSON. */
function parse(filters: unknown) {
  return parseVql(JSON.stringify(filters));
}

/** The problems `raw` is rejected with. */
function problemsOf(raw: string, at?: (string | number)[]): VqlProblem[] {
  try {
    parseVql(raw, at);
  } catch (err) {
    expect(err).toBeInstanceOf(VqlError);
    return (err as VqlError).problems;
  }
  throw new Error(`expected ${raw} to be rejected`);
}

function problemsOfJson(filters: unknown): VqlProblem[] {
  return problemsOf(JSON.stringify(filters));
}

/** The one problem `filters` is rejected with. */
function onlyProblem(filters: unknown): VqlProblem {
  const problems = problemsOfJson(filters);
  expect(problems).toHaveLength(1);
  return problems[0] as VqlProblem;
}

describe('parseVql: the whole value', () => {
  it('means no filters when absent, blank or an empty array', () => {
    expect(parseVql(undefined)).toEqual([]);
    expect(parseVql('')).toEqual([]);
    expect(parseVql('  \n')).toEqual([]);
    expect(parseVql('[]')).toEqual([]);
  });

  it('keeps the order of the filters', () => {
    expect(
      parse([
        { labels: { op: 'one_of', value: ['cat'] } },
        { uniqueness: { op: 'uniqueness', value: 0.5 } },
        { text: { op: 'fts', value: 'beach' } },
      ]),
    ).toEqual([
      { kind: 'labels', labels: ['cat'] },
      { kind: 'uniqueness', value: 0.5, mode: 'gte' },
      { kind: 'text', op: 'fts', value: 'beach' },
    ]);
  });

  it('accepts a single filter object in place of an array', () => {
    expect(parse({ labels: { op: 'one_of', value: ['dog'] } })).toEqual([{ kind: 'labels', labels: ['dog'] }]);
  });

  it('accepts JSON with surrounding whitespace', () => {
    expect(parseVql(' [ {"duplicates": {"op": "duplicates", "value": 1}} ] ')).toEqual([{ kind: 'duplicates', level: 1 }]);
  });

  it('accepts 50 filters and rejects 51', () => {
    const filter = { uniqueness: { op: 'uniqueness', value: 0.1 } };
    expect(parse(Array(50).fill(filter))).toHaveLength(50);
    const [p] = problemsOfJson(Array(51).fill(filter));
    expect(p).toMatchObject({ type: 'too_long', loc: ['query', 'vql'] });
    expect(p?.msg).toContain('at most 50 filters, not 51');
  });

  it('rejects text that is not JSON, with the parser position and the raw text cut to 200 chars', () => {
    const raw = `[{"labels": ${'x'.repeat(300)}`;
    const problems = problemsOf(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ type: 'json_invalid', loc: ['query', 'vql'], input: raw.slice(0, 200) });
    let parserMessage = '';
    try {
      JSON.parse(raw);
    } catch (err) {
      parserMessage = (err as Error).message;
    }
    expect(parserMessage).not.toBe('');
    expect(problems[0]?.msg).toBe(`Invalid JSON: ${parserMessage}`);
  });

  it('rejects text over 10 000 characters before parsing it', () => {
    const raw = JSON.stringify([{ text: { op: 'fts', value: 'a'.repeat(10_000) } }]);
    const problems = problemsOf(raw);
    expect(problems).toEqual([
      {
        type: 'string_too_long',
        loc: ['query', 'vql'],
        msg: `VQL should have at most 10000 characters, not ${raw.length}`,
        input: raw.slice(0, 200),
      },
    ]);
  });

  it('accepts text of exactly 10 000 characters', () => {
    const prefix = '[{"text": {"op": "fts", "value": "';
    const suffix = '"}}]';
    const raw = prefix + 'a'.repeat(10_000 - prefix.length - suffix.length) + suffix;
    expect(raw).toHaveLength(10_000);
    // The text itself is too long for a text filter, which proves it got past the size check.
    expect(problemsOf(raw)[0]).toMatchObject({ type: 'string_too_long', loc: ['query', 'vql', 0, 'text', 'value'] });
  });

  it.each(['"blur"', '42', 'null', 'true'])('rejects %s, which is neither an array nor an object', (raw) => {
    expect(problemsOf(raw)).toEqual([
      { type: 'list_type', loc: ['query', 'vql'], msg: expect.stringContaining('JSON array of filters'), input: JSON.parse(raw) },
    ]);
  });

  it('locates problems from where the request holds the VQL', () => {
    expect(problemsOf('nope', ['query', 'filters'])[0]?.loc).toEqual(['query', 'filters']);
    expect(problemsOf('[{"x": {}}]', ['body', 'selection', 2, 'vql'])[0]?.loc).toEqual(['body', 'selection', 2, 'vql', 0, 'x']);
  });

  it('gives a readable error message listing every problem', () => {
    try {
      parse([{ labels: { op: 'one_of', value: [] } }, { nope: {} }]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(VqlError);
      expect((err as VqlError).name).toBe('VqlError');
      expect((err as VqlError).message).toBe(
        'Invalid VQL: query.vql.0.labels.value: List should have at least 1 item; ' +
          "query.vql.1.nope: Unknown filter 'nope'; known filters: issues, duplicates, uniqueness, labels, text",
      );
    }
  });
});

describe('parseVql: filter shape', () => {
  it.each([['"labels"'], ['[]'], ['null'], ['3']])('rejects a filter that is not an object: %s', (item) => {
    expect(problemsOf(`[${item}]`)).toEqual([
      { type: 'dict_type', loc: ['query', 'vql', 0], msg: expect.stringContaining('should be an object'), input: JSON.parse(item) },
    ]);
  });

  it('rejects a filter with no key', () => {
    expect(onlyProblem([{}])).toEqual({
      type: 'value_error',
      loc: ['query', 'vql', 0],
      msg: 'A filter should have exactly one key naming it (one of issues, duplicates, uniqueness, labels, text), got none',
      input: {},
    });
  });

  it('rejects a filter with several keys, naming them', () => {
    const item = { labels: { op: 'one_of', value: ['a'] }, text: { op: 'fts', value: 'b' } };
    expect(onlyProblem([item])).toMatchObject({ type: 'value_error', loc: ['query', 'vql', 0], input: item });
    expect(onlyProblem([item]).msg).toContain('got 2: labels, text');
  });

  it('rejects an empty single filter object without an index in its location', () => {
    expect(onlyProblem({})).toMatchObject({ type: 'value_error', loc: ['query', 'vql'] });
  });

  it('rejects an unknown filter name, listing the known ones', () => {
    expect(onlyProblem([{ label: { op: 'one_of', value: ['dog'] } }])).toEqual({
      type: 'union_tag_invalid',
      loc: ['query', 'vql', 0, 'label'],
      msg: "Unknown filter 'label'; known filters: issues, duplicates, uniqueness, labels, text",
      input: { op: 'one_of', value: ['dog'] },
    });
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('treats %s as an unknown filter name', (name) => {
    const p = problemsOf(`[{"${name}": {"op": "one_of", "value": ["dog"]}}]`);
    expect(p).toEqual([expect.objectContaining({ type: 'union_tag_invalid', loc: ['query', 'vql', 0, name] })]);
    expect(({} as Record<string, unknown>).op).toBeUndefined();
  });

  it.each(['"one_of"', '["dog"]', 'null', '1'])('rejects a filter body that is not an object: %s', (body) => {
    expect(problemsOf(`[{"labels": ${body}}]`)).toEqual([
      { type: 'dict_type', loc: ['query', 'vql', 0, 'labels'], msg: 'The labels filter should be an object with "op" and "value"', input: JSON.parse(body) },
    ]);
  });

  it('rejects unknown keys in a filter body, listing the allowed ones', () => {
    expect(onlyProblem([{ uniqueness: { op: 'uniqueness', value: 0.5, mdoe: 'lte' } }])).toEqual({
      type: 'extra_forbidden',
      loc: ['query', 'vql', 0, 'uniqueness', 'mdoe'],
      msg: "Unknown key 'mdoe' in the uniqueness filter; allowed: op, value, mode",
      input: 'lte',
    });
  });

  it('rejects keys that are allowed only in other filters', () => {
    expect(onlyProblem([{ labels: { op: 'one_of', value: ['a'], mode: 'in' } }])).toMatchObject({
      type: 'extra_forbidden',
      loc: ['query', 'vql', 0, 'labels', 'mode'],
    });
  });

  it.each(['__proto__', 'constructor'])('rejects %s as a key of a filter body', (key) => {
    const p = problemsOf(`[{"labels": {"op": "one_of", "value": ["a"], "${key}": {"polluted": true}}}]`);
    expect(p).toEqual([
      expect.objectContaining({ type: 'extra_forbidden', loc: ['query', 'vql', 0, 'labels', key], input: { polluted: true } }),
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not read inherited properties as fields', () => {
    // `constructor` exists on every object's prototype; a missing `op` must still be missing.
    expect(onlyProblem([{ labels: { value: ['a'] } }])).toMatchObject({ type: 'missing', loc: ['query', 'vql', 0, 'labels', 'op'] });
  });
});

describe('parseVql: op', () => {
  it.each([
    ['issues', { value: 'blur' }],
    ['duplicates', { value: 0.97 }],
    ['uniqueness', { value: 0.5 }],
    ['labels', { value: ['a'] }],
    ['text', { value: 'a' }],
  ])('requires op in the %s filter', (name, body) => {
    expect(onlyProblem([{ [name]: body }])).toEqual({
      type: 'missing',
      loc: ['query', 'vql', 0, name, 'op'],
      msg: 'Field required',
      input: body,
    });
  });

  it.each([
    ['issues', { op: 'issues', value: 'blur' }, "Input should be 'issue'"],
    ['duplicates', { op: 'gte', value: 0.97 }, "Input should be 'duplicates'"],
    ['uniqueness', { op: 'gte', value: 0.5 }, "Input should be 'uniqueness'"],
    ['labels', { op: 'in', value: ['a'] }, "Input should be 'one_of'"],
    ['text', { op: 'like', value: 'a' }, "Input should be 'fts' or 'semantic'"],
  ])('rejects a wrong op in the %s filter', (name, body, msg) => {
    expect(onlyProblem([{ [name]: body }])).toEqual({ type: 'literal_error', loc: ['query', 'vql', 0, name, 'op'], msg, input: body.op });
  });

  it('rejects an op that is not a string', () => {
    expect(onlyProblem([{ labels: { op: ['one_of'], value: ['a'] } }])).toMatchObject({ type: 'literal_error', input: ['one_of'] });
  });
});

describe('parseVql: issues', () => {
  it('defaults to mode in and no minimum confidence', () => {
    expect(parse([{ issues: { op: 'issue', value: 'blur' } }])).toEqual([
      { kind: 'issues', issues: ['blur'], mode: 'in', confidenceMin: 0 },
    ]);
  });

  it('accepts every issue type', () => {
    const all = ['duplicates', 'outliers', 'blur', 'dark', 'bright', 'mislabels', 'low_information', 'odd_aspect_ratio', 'odd_size', 'grayscale'];
    for (const issue of all) {
      expect(parse([{ issues: { op: 'issue', value: issue } }])).toMatchObject([{ issues: [issue] }]);
    }
  });

  it('accepts mode out and a minimum confidence', () => {
    expect(parse([{ issues: { op: 'issue', value: 'dark', mode: 'out', confidence_min: 0.7 } }])).toEqual([
      { kind: 'issues', issues: ['dark'], mode: 'out', confidenceMin: 0.7 },
    ]);
  });

  it('accepts the bounds of the minimum confidence', () => {
    expect(parse([{ issues: { op: 'issue', value: 'dark', confidence_min: 0 } }])).toMatchObject([{ confidenceMin: 0 }]);
    expect(parse([{ issues: { op: 'issue', value: 'dark', confidence_min: 1 } }])).toMatchObject([{ confidenceMin: 1 }]);
  });

  it('accepts an array of issue types, dropping repeats', () => {
    expect(parse([{ issues: { op: 'issue', value: ['blur', 'dark', 'blur'], mode: 'in' } }])).toEqual([
      { kind: 'issues', issues: ['blur', 'dark'], mode: 'in', confidenceMin: 0 },
    ]);
  });

  it('rejects an unknown issue type, listing the known ones', () => {
    expect(onlyProblem([{ issues: { op: 'issue', value: 'blurry' } }])).toEqual({
      type: 'enum',
      loc: ['query', 'vql', 0, 'issues', 'value'],
      msg: "Unknown issue type; input should be 'duplicates', 'outliers', 'blur', 'dark', 'bright', 'mislabels', 'low_information', 'odd_aspect_ratio', 'odd_size' or 'grayscale'",
      input: 'blurry',
    });
  });

  it('rejects each unknown entry of an array by index', () => {
    const problems = problemsOfJson([{ issues: { op: 'issue', value: ['blur', 'Dark', 3] } }]);
    expect(problems.map((p) => [p.type, p.loc, p.input])).toEqual([
      ['enum', ['query', 'vql', 0, 'issues', 'value', 1], 'Dark'],
      ['enum', ['query', 'vql', 0, 'issues', 'value', 2], 3],
    ]);
  });

  it('rejects an empty array and a missing value', () => {
    expect(onlyProblem([{ issues: { op: 'issue', value: [] } }])).toMatchObject({ type: 'too_short', loc: ['query', 'vql', 0, 'issues', 'value'] });
    expect(onlyProblem([{ issues: { op: 'issue' } }])).toMatchObject({ type: 'missing', loc: ['query', 'vql', 0, 'issues', 'value'] });
  });

  it.each([null, {}, true])('rejects %j as an issue value', (value) => {
    expect(onlyProblem([{ issues: { op: 'issue', value } }])).toMatchObject({ type: 'enum', input: value });
  });

  it('rejects a wrong mode', () => {
    expect(onlyProblem([{ issues: { op: 'issue', value: 'blur', mode: 'exclude' } }])).toEqual({
      type: 'literal_error',
      loc: ['query', 'vql', 0, 'issues', 'mode'],
      msg: "Input should be 'in' or 'out'",
      input: 'exclude',
    });
  });

  it.each([
    [-0.1, 'greater_than_equal'],
    [1.5, 'less_than_equal'],
    ['0.5', 'float_type'],
    [null, 'float_type'],
  ])('rejects confidence_min %j', (confidence, type) => {
    expect(onlyProblem([{ issues: { op: 'issue', value: 'blur', confidence_min: confidence } }])).toMatchObject({
      type,
      loc: ['query', 'vql', 0, 'issues', 'confidence_min'],
      input: confidence,
    });
  });
});

describe('parseVql: duplicates', () => {
  it.each([
    [0.95, 0.96],
    [0, 0.96],
    [0.96, 0.96],
    [0.961, 0.97],
    [0.975, 0.98],
    [0.985, 0.985],
    [0.986, 0.99],
    [0.995, 0.995],
    [0.9991, 1],
    [1, 1],
  ])('snaps %d up to the level %d', (value, level) => {
    expect(parse([{ duplicates: { op: 'duplicates', value } }])).toEqual([{ kind: 'duplicates', level }]);
  });

  it.each([
    [-0.01, 'greater_than_equal', 'Input should be greater than or equal to 0'],
    [1.01, 'less_than_equal', 'Input should be less than or equal to 1'],
    ['0.97', 'float_type', 'Input should be a number'],
    [true, 'float_type', 'Input should be a number'],
    [[0.97], 'float_type', 'Input should be a number'],
  ])('rejects the value %j', (value, type, msg) => {
    expect(onlyProblem([{ duplicates: { op: 'duplicates', value } }])).toEqual({
      type,
      loc: ['query', 'vql', 0, 'duplicates', 'value'],
      msg,
      input: value,
    });
  });

  it('rejects a number too large to be finite', () => {
    expect(problemsOf('[{"duplicates": {"op": "duplicates", "value": 1e999}}]')).toEqual([
      {
        type: 'finite_number',
        loc: ['query', 'vql', 0, 'duplicates', 'value'],
        msg: 'Input should be a finite number',
        input: Infinity,
      },
    ]);
  });

  it('requires a value', () => {
    expect(onlyProblem([{ duplicates: { op: 'duplicates' } }])).toMatchObject({
      type: 'missing',
      loc: ['query', 'vql', 0, 'duplicates', 'value'],
      input: { op: 'duplicates' },
    });
  });
});

describe('snapDuplicateLevel', () => {
  it('returns each supported level unchanged', () => {
    for (const level of duplicateLevels) expect(snapDuplicateLevel(level)).toBe(level);
  });

  it('snaps values below the lowest level to it', () => {
    expect(snapDuplicateLevel(-5)).toBe(0.96);
    expect(snapDuplicateLevel(0.5)).toBe(0.96);
  });

  it('throws for values no level reaches', () => {
    expect(() => snapDuplicateLevel(1.0001)).toThrow(RangeError);
    expect(() => snapDuplicateLevel(Number.NaN)).toThrow(RangeError);
  });
});

describe('parseVql: uniqueness', () => {
  it('defaults to gte', () => {
    expect(parse([{ uniqueness: { op: 'uniqueness', value: 0.8 } }])).toEqual([{ kind: 'uniqueness', value: 0.8, mode: 'gte' }]);
  });

  it('accepts both modes and the bounds of the value', () => {
    expect(parse([{ uniqueness: { op: 'uniqueness', value: 0, mode: 'lte' } }])).toEqual([{ kind: 'uniqueness', value: 0, mode: 'lte' }]);
    expect(parse([{ uniqueness: { op: 'uniqueness', value: 1, mode: 'gte' } }])).toEqual([{ kind: 'uniqueness', value: 1, mode: 'gte' }]);
  });

  it('rejects a wrong mode and an out-of-range value together', () => {
    const problems = problemsOfJson([{ uniqueness: { op: 'uniqueness', value: 2, mode: 'gt' } }]);
    expect(problems).toEqual([
      { type: 'less_than_equal', loc: ['query', 'vql', 0, 'uniqueness', 'value'], msg: 'Input should be less than or equal to 1', input: 2 },
      { type: 'literal_error', loc: ['query', 'vql', 0, 'uniqueness', 'mode'], msg: "Input should be 'gte' or 'lte'", input: 'gt' },
    ]);
  });

  it('rejects a non-finite value', () => {
    expect(problemsOf('{"uniqueness": {"op": "uniqueness", "value": -1e400}}')).toEqual([
      expect.objectContaining({ type: 'finite_number', loc: ['query', 'vql', 'uniqueness', 'value'], input: -Infinity }),
    ]);
  });
});

describe('parseVql: labels', () => {
  it('accepts labels, dropping repeats but keeping case and order', () => {
    expect(parse([{ labels: { op: 'one_of', value: ['dog', 'Cat', 'dog'] } }])).toEqual([{ kind: 'labels', labels: ['dog', 'Cat'] }]);
  });

  // Both limits at once would exceed the 10 000 characters allowed for the whole VQL.
  it('accepts 100 labels, and labels of 200 characters', () => {
    const many = Array.from({ length: 100 }, (_, i) => `label-${i}`);
    expect(parse([{ labels: { op: 'one_of', value: many } }])).toEqual([{ kind: 'labels', labels: many }]);
    const long = 'x'.repeat(200);
    expect(parse([{ labels: { op: 'one_of', value: [long] } }])).toEqual([{ kind: 'labels', labels: [long] }]);
  });

  it('rejects a value that is not a list', () => {
    expect(onlyProblem([{ labels: { op: 'one_of', value: 'dog' } }])).toEqual({
      type: 'list_type',
      loc: ['query', 'vql', 0, 'labels', 'value'],
      msg: 'Input should be a list of label names',
      input: 'dog',
    });
  });

  it('rejects an empty list and more than 100 labels', () => {
    expect(onlyProblem([{ labels: { op: 'one_of', value: [] } }])).toMatchObject({ type: 'too_short', input: [] });
    const tooMany = Array.from({ length: 101 }, (_, i) => `l${i}`);
    expect(onlyProblem([{ labels: { op: 'one_of', value: tooMany } }])).toMatchObject({
      type: 'too_long',
      loc: ['query', 'vql', 0, 'labels', 'value'],
      msg: 'List should have at most 100 items, not 101',
    });
  });

  it('rejects each bad label by index', () => {
    const long = 'x'.repeat(201);
    const problems = problemsOfJson([{ labels: { op: 'one_of', value: ['ok', '', 7, '  ', long, null] } }]);
    const at = (j: number) => ['query', 'vql', 0, 'labels', 'value', j];
    expect(problems).toEqual([
      { type: 'string_too_short', loc: at(1), msg: 'String should have at least 1 non-space character', input: '' },
      { type: 'string_type', loc: at(2), msg: 'Input should be a string', input: 7 },
      { type: 'string_too_short', loc: at(3), msg: 'String should have at least 1 non-space character', input: '  ' },
      { type: 'string_too_long', loc: at(4), msg: 'String should have at most 200 characters', input: long },
      { type: 'string_type', loc: at(5), msg: 'Input should be a string', input: null },
    ]);
  });
});

describe('parseVql: text', () => {
  it('accepts fts and semantic, leaving the value as given', () => {
    expect(parse([{ text: { op: 'fts', value: 'IMG_0042' } }])).toEqual([{ kind: 'text', op: 'fts', value: 'IMG_0042' }]);
    expect(parse([{ text: { op: 'semantic', value: ' a dog on a beach ' } }])).toEqual([
      { kind: 'text', op: 'semantic', value: ' a dog on a beach ' },
    ]);
  });

  it('accepts 500 characters and rejects 501', () => {
    expect(parse([{ text: { op: 'fts', value: 'a'.repeat(500) } }])).toEqual([{ kind: 'text', op: 'fts', value: 'a'.repeat(500) }]);
    expect(onlyProblem([{ text: { op: 'fts', value: 'a'.repeat(501) } }])).toMatchObject({
      type: 'string_too_long',
      loc: ['query', 'vql', 0, 'text', 'value'],
      msg: 'String should have at most 500 characters',
    });
  });

  it.each([
    ['', 'string_too_short'],
    [' \t', 'string_too_short'],
    [5, 'string_type'],
    [['dog'], 'string_type'],
  ])('rejects the value %j', (value, type) => {
    expect(onlyProblem([{ text: { op: 'fts', value } }])).toMatchObject({ type, loc: ['query', 'vql', 0, 'text', 'value'], input: value });
  });

  it('requires a value', () => {
    expect(onlyProblem([{ text: { op: 'semantic' } }])).toMatchObject({ type: 'missing', loc: ['query', 'vql', 0, 'text', 'value'] });
  });
});

describe('parseVql: several problems at once', () => {
  it('reports every problem of every filter, in order', () => {
    const problems = problemsOfJson([
      { labels: { op: 'one_of', value: ['dog'] } },
      { issues: { op: 'issue', value: 'blurry', mode: 'sideways', confidense_min: 0.5 } },
      { duplicates: { op: 'duplicates', value: 1.5 } },
      { colour: { op: 'eq', value: 'red' } },
      { text: { value: '' } },
      [],
    ]);
    expect(problems.map((p) => [p.type, p.loc])).toEqual([
      ['extra_forbidden', ['query', 'vql', 1, 'issues', 'confidense_min']],
      ['enum', ['query', 'vql', 1, 'issues', 'value']],
      ['literal_error', ['query', 'vql', 1, 'issues', 'mode']],
      ['less_than_equal', ['query', 'vql', 2, 'duplicates', 'value']],
      ['union_tag_invalid', ['query', 'vql', 3, 'colour']],
      ['missing', ['query', 'vql', 4, 'text', 'op']],
      ['string_too_short', ['query', 'vql', 4, 'text', 'value']],
      ['dict_type', ['query', 'vql', 5]],
    ]);
  });

  it('caps the number of problems reported at 100', () => {
    const filter = { issues: { op: 'issue', value: Array(60).fill('nope') } };
    expect(problemsOfJson([filter, filter])).toHaveLength(100);
  });
});
