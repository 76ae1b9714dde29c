import type { FastifyError, FastifyRequest } from 'fastify';

/**
 * Schema errors in the shape FastAPI (pydantic 2) gives them, which Visual Layer's clients
 * parse: `{"detail": [{"type": "missing", "loc": ["query", "dataset_name"], "msg": "Field
 * required", "input": null}]}`. Ajv's keywords become pydantic's error types and messages.
 */
export interface ValidationProblem {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
}

/** Where a value came from, in FastAPI's words. */
const partNames: Record<string, string> = { querystring: 'query', params: 'path', body: 'body', headers: 'header' };

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
  /** The value a check made in code refused, where the request part does not hold it (a multipart field). */
  data?: unknown;
}

/** An error the error handler answers like a failed schema check (for checks made in code). */
export function schemaError(part: 'querystring' | 'params' | 'body', errors: AjvError[]): Error {
  return Object.assign(new Error(errors[0]?.message ?? 'invalid request'), { validation: errors, validationContext: part });
}

/** Required form fields that are missing or empty, as the schema check would report them. */
export function missingFields(part: 'querystring' | 'body', names: string[]): Error {
  return schemaError(
    part,
    names.map((name) => ({ keyword: 'required', instancePath: '', params: { missingProperty: name, formField: true } })),
  );
}

export function validationProblems(err: FastifyError, req: FastifyRequest): ValidationProblem[] {
  const context = err.validationContext ?? 'body';
  const root: unknown = { querystring: req.query, params: req.params, body: req.body, headers: req.headers }[context];
  const errors = (err.validation ?? []) as AjvError[];
  const problems: ValidationProblem[] = [];
  // A union of literals fails once per branch (`const`), then as `anyOf`: one problem for all.
  const allowed = new Map<string, unknown[]>();
  for (const e of errors) {
    if (e.keyword === 'const' || e.keyword === 'enum') {
      const values = e.keyword === 'const' ? [e.params.allowedValue] : ((e.params.allowedValues as unknown[]) ?? []);
      allowed.set(e.instancePath, [...(allowed.get(e.instancePath) ?? []), ...values]);
    }
  }
  const seen = new Set<string>();
  for (const e of errors) {
    const path = e.instancePath.split('/').filter((p) => p !== '').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const input = e.data !== undefined ? e.data : valueAt(root, path);
    const loc = [partNames[context] ?? context, ...path];
    const literals = allowed.get(e.instancePath);
    if (literals !== undefined) {
      if (seen.has(e.instancePath)) continue;
      seen.add(e.instancePath);
      problems.push({ type: 'literal_error', loc, msg: `Input should be ${orList(literals.map((v) => `'${String(v)}'`))}`, input: input ?? null });
      continue;
    }
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    const { type, msg } = problemOf(e, typeof input === 'string');
    if (e.keyword === 'required' || e.keyword === 'additionalProperties') {
      // Named by the field itself. FastAPI echoes the enclosing JSON body, and nothing for a
      // query parameter or a form field (each is read on its own).
      const field = String(e.params.missingProperty ?? e.params.additionalProperty);
      problems.push({ type, loc: [...loc, field], msg, input: context === 'body' && e.params.formField !== true ? (input ?? null) : null });
    } else {
      problems.push({ type, loc, msg, input: input ?? null });
    }
  }
  return problems;
}

function problemOf(e: AjvError, fromString: boolean): { type: string; msg: string } {
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return { type: 'missing', msg: 'Field required' };
    case 'type':
      return typeProblem(String(p.type), fromString);
    case 'minimum':
      return { type: 'greater_than_equal', msg: `Input should be greater than or equal to ${String(p.limit)}` };
    case 'maximum':
      return { type: 'less_than_equal', msg: `Input should be less than or equal to ${String(p.limit)}` };
    case 'exclusiveMinimum':
      return { type: 'greater_than', msg: `Input should be greater than ${String(p.limit)}` };
    case 'exclusiveMaximum':
      return { type: 'less_than', msg: `Input should be less than ${String(p.limit)}` };
    case 'minLength':
      return { type: 'string_too_short', msg: `String should have at least ${String(p.limit)} character${p.limit === 1 ? '' : 's'}` };
    case 'maxLength':
      return { type: 'string_too_long', msg: `String should have at most ${String(p.limit)} character${p.limit === 1 ? '' : 's'}` };
    case 'pattern':
      return { type: 'string_pattern_mismatch', msg: `String should match pattern '${String(p.pattern)}'` };
    case 'additionalProperties':
      return { type: 'extra_forbidden', msg: 'Extra inputs are not permitted' };
    case 'finite':
      return { type: 'finite_number', msg: 'Input should be a finite number' };
    default:
      return { type: 'value_error', msg: e.message ?? 'invalid value' };
  }
}

/** A wrong type: pydantic says "parsing" for a string it could not read, "type" otherwise. */
function typeProblem(expected: string, fromString: boolean): { type: string; msg: string } {
  const kinds: Record<string, [string, string, string]> = {
    integer: ['int', 'a valid integer', 'unable to parse string as an integer'],
    number: ['float', 'a valid number', 'unable to parse string as a number'],
    boolean: ['bool', 'a valid boolean', 'unable to interpret input'],
  };
  const kind = kinds[expected];
  if (kind !== undefined) return fromString ? { type: `${kind[0]}_parsing`, msg: `Input should be ${kind[1]}, ${kind[2]}` } : { type: `${kind[0]}_type`, msg: `Input should be ${kind[1]}` };
  const others: Record<string, [string, string]> = { string: ['string_type', 'a valid string'], object: ['dict_type', 'a valid dictionary'], array: ['list_type', 'a valid list'] };
  const [type, what] = others[expected] ?? ['type_error', `of type ${expected}`];
  return { type, msg: `Input should be ${what}` };
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function valueAt(root: unknown, path: string[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
