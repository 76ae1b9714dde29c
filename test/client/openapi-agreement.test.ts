import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedSchemas } from '../../src/api/schemas.ts';
import { StrataClient } from '../../src/client/client.ts';
import { endpoints } from '../../src/client/endpoints.ts';
import { responseSchemas } from './endpoint-schemas.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>; components: { schemas: Record<string, unknown> } };
beforeAll(async () => {
  t = await startTestServer();
  const res = await fetch(`${t.url}/api/v1/docs`, { headers: { authorization: `Bearer ${t.admin.token}` } });
  doc = (await res.json()) as typeof doc;
});
afterAll(async () => t?.close());

/**
 * A TypeBox schema as @fastify/swagger writes it into OpenAPI 3.0: `$ref`s into the components,
 * `[T, null]` unions as nullable T, `const` as a one-value enum, records as additionalProperties.
 */
function asOpenApi(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(asOpenApi);
  if (typeof schema !== 'object' || schema === null) return schema;
  const s = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  delete s.$id;
  const anyOf = s.anyOf as Array<Record<string, unknown>> | undefined;
  if (anyOf?.length === 2 && anyOf[1]!.type === 'null') return { ...(asOpenApi(anyOf[0]) as object), nullable: true };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === '$ref') out.$ref = `#/components/schemas/${value as string}`;
    else if (key === 'const') out.enum = [value];
    else if (key === 'patternProperties') out.additionalProperties = asOpenApi(Object.values(value as object)[0]);
    else if (key === 'properties') out.properties = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, asOpenApi(v)]));
    else out[key] = asOpenApi(value);
  }
  return out;
}

const served = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));

describe('the typed client and the served OpenAPI document', () => {
  it('name the shared schemas by their ids and agree on them', () => {
    for (const schema of sharedSchemas) expect(doc.components.schemas[schema.$id!], schema.$id).toEqual(asOpenApi(schema));
    expect(Object.keys(doc.components.schemas).filter((name) => name.startsWith('def-'))).toEqual([]);
  });

  it('cover the same routes, each with a client method', () => {
    const client = new StrataClient({ baseUrl: t.url, auth: { session: true } });
    const inClient = Object.entries(endpoints).map(([name, e]) => `${e.method} ${e.path} ${typeof (client as unknown as Record<string, unknown>)[name]}`);
    expect(inClient.sort()).toEqual(served().map((r) => `${r.method} ${r.path} function`).sort());
  });

  it('give every route a success response with the schema the client reads it with', () => {
    for (const { path, method, op } of served()) {
      const [name, endpoint] = Object.entries(endpoints).find(([, e]) => e.path === path && e.method === method)!;
      const where = `${method} ${path}`;
      const success = Object.keys(op.responses).filter((status) => status.startsWith('2'));
      expect(success, where).toEqual([String(endpoint.status)]);
      const content = op.responses[success[0]!]!.content ?? {};
      if (endpoint.kind === 'json') {
        expect(Object.keys(content), where).toEqual(['application/json']);
        expect(content['application/json']!.schema, where).toEqual(asOpenApi(responseSchemas[name as keyof typeof responseSchemas]));
      } else {
        expect(Object.keys(content), where).toEqual(endpoint.mediaTypes);
      }
    }
  });
});
