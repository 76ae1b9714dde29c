/**
 * VQL, the JSON filter language of the explore endpoint (SPEC §7): an array of filters, all
 * ANDed, each `{"<name>": {"op": …, "value": …, …}}`. This module only parses and validates;
 * it reports every problem in FastAPI's 422 shape so a client can fix all of them at once.
 * Validation is strict on purpose: an unknown key or a misspelt name is rejected rather than
 * ignored, because a filter that silently filters nothing returns plausible, wrong results.
 */

import { issueTypes, type IssueType } from './similarity/issues.ts';
import { duplicateLevels } from './similarity/levels.ts';

export type VqlFilter =
  | { kind: 'issues'; issues: IssueType[]; mode: 'in' | 'out'; confidenceMin: number }
  | { kind: 'duplicates'; level: number }
  | { kind: 'uniqueness'; value: number; mode: 'gte' | 'lte' }
  | { kind: 'labels'; labels: string[] }
  | { kind: 'text'; op: 'fts' | 'semantic'; value: string };

/** One entry of a 422 `detail` list. */
export interface VqlProblem {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
}

export class VqlError extends Error {
  constructor(readonly problems: VqlProblem[]) {
    super(`Invalid VQL: ${problems.map((p) => `${p.loc.join('.')}: ${p.msg}`).join('; ')}`);
    this.name = 'VqlError';
  }
}

const maxRawLength = 10_000;
const maxFilters = 50;
const maxLabels = 100;
const maxLabelLength = 200;
const maxTextLength = 500;
const maxEchoedInput = 200;
// Every problem costs the client only a few characters of input, so without a cap a 10 000
// character VQL could make a response hundreds of times its size.
const maxProblems = 100;

export type Loc = (string | number)[];

/** A filter's body (the object under its name), where it sits, and where problems go. */
interface Body {
  fields: Record<string, unknown>;
  loc: Loc;
  problems: VqlProblem[];
}

interface FilterSpec {
  /** Every key the body may have; any other is rejected. */
  keys: readonly string[];
  /** Validates the body; returns undefined once any problem was reported. */
  read(body: Body): VqlFilter | undefined;
}

/**
 * Returns the filters in `raw` (undefined or blank means none); throws VqlError, its problems
 * located from `at`, where the request holds the VQL (the `vql` query parameter by default).
 */
export function parseVql(raw: string | undefined, at: Loc = ['query', 'vql']): VqlFilter[] {
  // `?vql=` with nothing after it is an empty filter list, not a JSON error.
  if (raw === undefined || raw.trim() === '') return [];
  const loc: Loc = [...at];
  if (raw.length > maxRawLength) {
    throw new VqlError([
      problem('string_too_long', loc, `VQL should have at most ${maxRawLength} characters, not ${raw.length}`, echo(raw)),
    ]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new VqlError([problem('json_invalid', loc, `Invalid JSON: ${(err as Error).message}`, echo(raw))]);
  }
  if (!Array.isArray(parsed) && !isObject(parsed)) {
    throw new VqlError([
      problem('list_type', loc, 'VQL should be a JSON array of filters (or a single filter object)', parsed),
    ]);
  }
  if (Array.isArray(parsed) && parsed.length > maxFilters) {
    throw new VqlError([
      problem('too_long', loc, `VQL should have at most ${maxFilters} filters, not ${parsed.length}`, parsed),
    ]);
  }

  const problems: VqlProblem[] = [];
  // A lone filter object has no index, so its locations have none either.
  const items = Array.isArray(parsed) ? parsed.map((item, i) => ({ item, loc: [...loc, i] })) : [{ item: parsed, loc }];
  const filters = items.map(({ item, loc }) => readFilter(item, loc, problems));
  if (problems.length > 0) throw new VqlError(problems.slice(0, maxProblems));
  // No problem reported means every filter was read.
  return filters as VqlFilter[];
}

/** The lowest supported level at or above `value` (so anything below 0.96 gives 0.96). */
export function snapDuplicateLevel(value: number): number {
  const level = duplicateLevels.find((l) => l >= value);
  if (level === undefined) throw new RangeError(`No duplicate level at or above ${value}`);
  return level;
}

// A Map, not an object literal: a filter named `constructor` or `__proto__` must not find
// anything through the prototype chain.
const filterSpecs = new Map<string, FilterSpec>([
  [
    'issues',
    {
      keys: ['op', 'value', 'mode', 'confidence_min'],
      read(b) {
        const op = choice(b, 'op', ['issue']);
        const issues = issueList(b);
        const mode = choice(b, 'mode', ['in', 'out'], 'in');
        const confidenceMin = fraction(b, 'confidence_min', 0);
        if (!op || !issues || !mode || confidenceMin === undefined) return undefined;
        return { kind: 'issues', issues, mode, confidenceMin };
      },
    },
  ],
  [
    'duplicates',
    {
      keys: ['op', 'value'],
      read(b) {
        const op = choice(b, 'op', ['duplicates']);
        const value = fraction(b, 'value');
        if (!op || value === undefined) return undefined;
        return { kind: 'duplicates', level: snapDuplicateLevel(value) };
      },
    },
  ],
  [
    'uniqueness',
    {
      keys: ['op', 'value', 'mode'],
      read(b) {
        const op = choice(b, 'op', ['uniqueness']);
        const value = fraction(b, 'value');
        const mode = choice(b, 'mode', ['gte', 'lte'], 'gte');
        if (!op || value === undefined || !mode) return undefined;
        return { kind: 'uniqueness', value, mode };
      },
    },
  ],
  [
    'labels',
    {
      keys: ['op', 'value'],
      read(b) {
        const op = choice(b, 'op', ['one_of']);
        const labels = labelList(b);
        if (!op || !labels) return undefined;
        return { kind: 'labels', labels };
      },
    },
  ],
  [
    'text',
    {
      keys: ['op', 'value'],
      read(b) {
        const op = choice(b, 'op', ['fts', 'semantic']);
        const v = field(b, 'value');
        const value = v === undefined ? missing(b, 'value') : text(b, ['value'], v, maxTextLength);
        if (!op || value === undefined) return undefined;
        return { kind: 'text', op, value };
      },
    },
  ],
]);
const filterNames = [...filterSpecs.keys()];

function readFilter(item: unknown, loc: Loc, problems: VqlProblem[]): VqlFilter | undefined {
  if (!isObject(item)) {
    problems.push(problem('dict_type', loc, `A filter should be an object like {"labels": {"op": "one_of", "value": ["dog"]}}`, item));
    return undefined;
  }
  const names = Object.keys(item);
  if (names.length !== 1) {
    const got = names.length === 0 ? 'none' : `${names.length}: ${names.join(', ')}`;
    problems.push(problem('value_error', loc, `A filter should have exactly one key naming it (one of ${filterNames.join(', ')}), got ${got}`, item));
    return undefined;
  }
  const name = names[0] as string;
  const fields = item[name];
  const spec = filterSpecs.get(name);
  if (!spec) {
    problems.push(problem('union_tag_invalid', [...loc, name], `Unknown filter '${name}'; known filters: ${filterNames.join(', ')}`, fields));
    return undefined;
  }
  if (!isObject(fields)) {
    problems.push(problem('dict_type', [...loc, name], `The ${name} filter should be an object with "op" and "value"`, fields));
    return undefined;
  }
  const body: Body = { fields, loc: [...loc, name], problems };
  for (const key of Object.keys(fields)) {
    if (!spec.keys.includes(key)) {
      report(body, 'extra_forbidden', [key], `Unknown key '${key}' in the ${name} filter; allowed: ${spec.keys.join(', ')}`, fields[key]);
    }
  }
  // Read the known keys even after an unknown one, so every problem is reported at once.
  return spec.read(body);
}

/** A number in [0, 1]; `fallback` when absent, or a `missing` problem without one. */
function fraction(b: Body, key: string, fallback?: number): number | undefined {
  const v = field(b, key);
  if (v === undefined) return fallback ?? missing(b, key);
  if (typeof v !== 'number') return report(b, 'float_type', [key], 'Input should be a number', v);
  // JSON.parse turns 1e999 into Infinity.
  if (!Number.isFinite(v)) return report(b, 'finite_number', [key], 'Input should be a finite number', v);
  if (v < 0) return report(b, 'greater_than_equal', [key], 'Input should be greater than or equal to 0', v);
  if (v > 1) return report(b, 'less_than_equal', [key], 'Input should be less than or equal to 1', v);
  return v;
}

/** One of `allowed`; `fallback` when absent, or a `missing` problem without one. */
function choice<T extends string>(b: Body, key: string, allowed: readonly T[], fallback?: T): T | undefined {
  const v = field(b, key);
  if (v === undefined) return fallback ?? missing(b, key);
  if (isOneOf(v, allowed)) return v;
  return report(b, 'literal_error', [key], `Input should be ${quoteList(allowed)}`, v);
}

/** `value` of the issues filter: one issue name or a non-empty array of them (any of them). */
function issueList(b: Body): IssueType[] | undefined {
  const v = field(b, 'value');
  if (v === undefined) return missing(b, 'value');
  if (Array.isArray(v) && v.length === 0) return report(b, 'too_short', ['value'], 'List should have at least 1 item', v);
  const entries = Array.isArray(v) ? v.map((x, j) => ({ x, loc: ['value', j] })) : [{ x: v, loc: ['value'] }];
  let ok = true;
  for (const { x, loc } of entries) {
    if (!isOneOf(x, issueTypes)) {
      report(b, 'enum', loc, `Unknown issue type; input should be ${quoteList(issueTypes)}`, x);
      ok = false;
    }
  }
  // Repeats change nothing, so drop them.
  return ok ? [...new Set(entries.map((e) => e.x as IssueType))] : undefined;
}

/** `value` of the labels filter: a non-empty array of label names. */
function labelList(b: Body): string[] | undefined {
  const v = field(b, 'value');
  if (v === undefined) return missing(b, 'value');
  if (!Array.isArray(v)) return report(b, 'list_type', ['value'], 'Input should be a list of label names', v);
  if (v.length === 0) return report(b, 'too_short', ['value'], 'List should have at least 1 item', v);
  if (v.length > maxLabels) return report(b, 'too_long', ['value'], `List should have at most ${maxLabels} items, not ${v.length}`, v);
  // Check every label before deciding, so each bad one is reported.
  const labels = v.map((x, j) => text(b, ['value', j], x, maxLabelLength));
  return labels.every((l) => l !== undefined) ? [...new Set(labels as string[])] : undefined;
}

/** `v` if it is a string with a non-space character and at most `max` characters. */
function text(b: Body, loc: Loc, v: unknown, max: number): string | undefined {
  if (typeof v !== 'string') return report(b, 'string_type', loc, 'Input should be a string', v);
  // Blank text can only match everything or nothing, neither of which the client meant.
  if (v.trim() === '') return report(b, 'string_too_short', loc, 'String should have at least 1 non-space character', v);
  if (v.length > max) return report(b, 'string_too_long', loc, `String should have at most ${max} characters`, v);
  return v;
}

/** Own keys only: inherited ones like `constructor` are never fields of a parsed object. */
function field(b: Body, key: string): unknown {
  return Object.hasOwn(b.fields, key) ? b.fields[key] : undefined;
}

function missing(b: Body, key: string): undefined {
  return report(b, 'missing', [key], 'Field required', b.fields);
}

/** Records a problem under the body's location; returns undefined so callers can `return report(…)`. */
function report(b: Body, type: string, loc: Loc, msg: string, input: unknown): undefined {
  b.problems.push(problem(type, [...b.loc, ...loc], msg, input));
  return undefined;
}

function problem(type: string, loc: Loc, msg: string, input: unknown): VqlProblem {
  return { type, loc, msg, input };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isOneOf<T extends string>(v: unknown, allowed: readonly T[]): v is T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v);
}

/** `'a', 'b' or 'c'`, as in pydantic's messages. */
function quoteList(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  return quoted.length === 1 ? (quoted[0] as string) : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

function echo(raw: string): string {
  return raw.slice(0, maxEchoedInput);
}
