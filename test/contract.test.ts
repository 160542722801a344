// The contract's structure: what every other part of the project relies on being there, and the
// machine-readable facts agreeing with the prose a reader sees.

import { loadContract } from '@azuma/contract';
import { describe, expect, it } from 'vitest';
import { schemaErrors } from './support/contract.js';

const contract = loadContract();
// The test reads the contract as YAML data, key by key: any keeps those reads short.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = Record<string, any>;
const doc = contract.document as unknown as Json;
const operations = contract.operations.map((op) => ({
  ...op,
  op: contract.at<Json>(`#/paths/${op.path.replace(/\//g, '~1')}/${op.method.toLowerCase()}`),
}));
const deref = (node: Json): Json => (node.$ref ? deref(contract.at<Json>(contract.follow(node.$ref))) : node);

describe('openapi.yaml', () => {
  it('when read, then it has the four operations of the reference, the six of 1.1 and the two health probes of 1.3, with verbNoun ids', () => {
    expect(operations.map(({ method, path, id }) => `${method} ${path} ${id}`).sort()).toEqual([
      'DELETE /api/me/sessions endOtherSessions',
      'DELETE /api/me/sessions/{id} endSession',
      'GET /api/ getVersion',
      'GET /api/health/live getLiveness',
      'GET /api/health/ready getReadiness',
      'GET /api/me getMe',
      'GET /api/me/sessions listSessions',
      'PATCH /api/me updateMe',
      'POST /api/login loginUser',
      'POST /api/logout logoutUser',
      'POST /api/register registerUser',
      'PUT /api/me/password changePassword',
    ]);
    for (const { op } of operations) {
      expect(op.tags).toHaveLength(1);
      expect(['API', 'User', 'Sessions', 'Health']).toContain(op.tags[0]);
      expect(op.summary).toMatch(/^[A-Z][a-z]/);
    }
  });

  it('when an operation can fail, then it references the shared error responses', () => {
    const codes = Object.fromEntries(operations.map(({ op }) => [op.operationId, Object.keys(op.responses).sort()]));
    // 400 everywhere: headers over the limit are refused before any route. 413 and 415 wherever
    // the method can carry a body, taken or not.
    expect(codes).toEqual({
      getVersion: ['200', '400', '500', '503'],
      getLiveness: ['200', '400', '500', '503'],
      getReadiness: ['200', '400', '500', '503'],
      registerUser: ['200', '400', '409', '413', '415', '429', '500', '503'],
      loginUser: ['200', '400', '401', '413', '415', '429', '500', '503'],
      getMe: ['200', '400', '401', '500', '503'],
      updateMe: ['200', '400', '401', '413', '415', '500', '503'],
      changePassword: ['200', '400', '401', '409', '413', '415', '429', '500', '503'],
      logoutUser: ['204', '400', '401', '413', '415', '500', '503'],
      listSessions: ['200', '400', '401', '500', '503'],
      endOtherSessions: ['204', '400', '401', '413', '415', '500', '503'],
      endSession: ['204', '400', '401', '404', '413', '415', '500', '503'],
    });
    for (const { op } of operations) {
      for (const [status, response] of Object.entries(op.responses as Json)) {
        if (status.startsWith('2')) continue;
        expect(response.$ref, `${op.operationId} ${status}`).toMatch(/^#\/components\/responses\//);
        const schema = deref(response).content['application/json'].schema;
        expect(schema.allOf[0].$ref).toBe('#/components/schemas/Error');
        expect(contract.errors.get(Number(status)), `${op.operationId} ${status} pins its constant`).toBeDefined();
      }
    }
  });

  it('when secured, then every operation on the signed-in user accepts cookie or header auth and public operations say so', () => {
    expect(doc.components.securitySchemes).toEqual({
      cookieAuth: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'azuma_session' }),
      headerAuth: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'Azuma-Session' }),
    });
    const security = Object.fromEntries(operations.map(({ op }) => [op.operationId, op.security]));
    expect(security).toEqual({
      getVersion: [],
      getLiveness: [],
      getReadiness: [],
      registerUser: [],
      loginUser: [],
      ...Object.fromEntries(
        ['getMe', 'updateMe', 'changePassword', 'logoutUser', 'listSessions', 'endOtherSessions', 'endSession'].map((id) => [
          id,
          [{ cookieAuth: [] }, { headerAuth: [] }],
        ]),
      ),
    });
  });

  it('when a token can be refreshed or issued, then the response headers are documented', () => {
    const me = doc.paths['/api/me'].get.responses['200'];
    expect(Object.keys(me.headers).sort()).toEqual(['Azuma-Session', 'Cache-Control', 'Set-Cookie']);
    for (const [path, method] of [
      ['/api/register', 'post'],
      ['/api/login', 'post'],
      ['/api/me/password', 'put'],
    ]) {
      const created = deref(doc.paths[path!][method!].responses['200']);
      expect(deref(created.headers['Set-Cookie']).required).toBe(true);
    }
  });

  it('when a schema constrains a string, then it says it is a string, so generators need not guess from a bare pattern', () => {
    const stringKeywords = ['pattern', 'minLength', 'maxLength', 'format'];
    const untyped: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (!node || typeof node !== 'object') return;
      const schema = node as Json;
      const types = [schema.type ?? []].flat();
      if (stringKeywords.some((key) => typeof schema[key] === 'string' || typeof schema[key] === 'number') && !types.includes('string'))
        untyped.push(path);
      for (const [key, value] of Object.entries(schema)) walk(value, `${path}/${key}`);
    };
    walk(doc.components.schemas, '#/components/schemas');
    walk(doc.components.headers, '#/components/headers');
    walk(doc.paths, '#/paths');
    expect(untyped).toEqual([]);
  });

  it('when the user is answered, then icon and status are the very schemas an update sets', () => {
    const { User, UserUpdate } = doc.components.schemas;
    for (const field of ['icon', 'status']) {
      expect(User.properties[field].$ref, field).toMatch(/^#\/components\/schemas\//);
      expect(User.properties[field]).toEqual(UserUpdate.properties[field]);
    }
  });

  it('when an example shows the version, then it is info.version of this document', () => {
    expect(doc.components.examples.VersionResponseExample.value).toEqual({ version: contract.version });
  });

  it('when the error messages are listed, then they are exactly the constants of the contract notes', () => {
    expect(doc.components.schemas.Error.properties.message.enum).toEqual([
      'BAD_REQUEST',
      'UNAUTHORIZED',
      'NOT_FOUND',
      'ALREADY_EXISTS',
      'PAYLOAD_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
      'TOO_MANY_REQUESTS',
      'INTERNAL_SERVER_ERROR',
      'SERVICE_UNAVAILABLE',
    ]);
  });

  it('when the error table is read, then each row is a status the schemas pin, with the same constant, and the enum lists them all', () => {
    const table = [...(contract.document.info.description ?? '').matchAll(/^\|\s*(\d{3})\s*\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => [
      Number(m[1]),
      m[2],
    ]);
    expect(table.length).toBeGreaterThan(0);
    expect(new Map(table as [number, string][])).toEqual(contract.errors);
    expect([...contract.errors.values()].sort()).toEqual([...doc.components.schemas.Error.properties.message.enum].sort());
  });

  it('when the prose states a window or a limit, then x-azuma states the same', () => {
    const days = contract.limits.refreshWindowSeconds / 86_400;
    const prose = JSON.stringify(contract.document);
    const windows = [...prose.matchAll(/within (?:the next )?(\d+) days/g)].map((m) => Number(m[1]));
    expect(windows.length).toBeGreaterThanOrEqual(3);
    expect(new Set(windows)).toEqual(new Set([days]));
    const kib = (bytes: number) => `${bytes / 1024} KiB`;
    const limits = [...prose.matchAll(/(\d+) KiB/g)].map((m) => `${m[1]} KiB`);
    expect(new Set(limits)).toEqual(new Set([kib(contract.limits.requestBodyLimitBytes), kib(contract.limits.requestHeaderLimitBytes)]));
    expect(prose).toMatch(new RegExp(`body over the limit \\(${kib(contract.limits.requestBodyLimitBytes)}\\)`));
    expect(prose).toMatch(new RegExp(`headers over ${kib(contract.limits.requestHeaderLimitBytes)}`));
  });

  it('when the contract module reads it, then it hands out the session facts of the schemes and schemas', () => {
    expect(contract.session).toEqual({
      cookie: doc.components.securitySchemes.cookieAuth.name,
      header: doc.components.securitySchemes.headerAuth.name,
      tokenPattern: new RegExp(doc.components.schemas.Token.pattern),
      refreshWindowMs: contract.limits.refreshWindowSeconds * 1000,
      issuingOperations: ['POST /api/register', 'POST /api/login', 'PUT /api/me/password'],
    });
  });

  it('when Fastify compiles the schemas, then they use only keywords draft-07 Ajv knows', () => {
    const found: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (['prefixItems', 'unevaluatedProperties', 'unevaluatedItems', 'dependentSchemas', '$dynamicRef'].includes(key))
          found.push(`${path}/${key}`);
        if (key === 'example' && path.includes('/schema')) found.push(`${path}/${key}`);
        walk(value, `${path}/${key}`);
      }
    };
    walk(doc.paths, '#/paths');
    walk(doc.components.schemas, '#/components/schemas');
    walk(doc.components.responses, '#/components/responses');
    expect(found).toEqual([]);
  });

  it('when the schemas are compiled, then they accept the reference shapes and reject near misses', () => {
    const valid = (name: string, value: unknown) => schemaErrors(name, value) === '';

    const session = {
      token: 'vmcG6sPriniFUvFcyIKNI1kjyW4NIErHrByovYbZ7HQWMBCh0Y19tgge43dmISgb',
      userid: { $oid: '5e626bd89158f3ecad052a8e' },
      expiration: '2020-04-13T18:56:20.055234Z',
    };
    expect(valid('Session', session)).toBe(true);
    expect(valid('Session', { ...session, token: session.token.slice(1) })).toBe(false);
    expect(valid('Session', { ...session, userid: '5e626bd89158f3ecad052a8e' })).toBe(false);
    expect(valid('Session', { ...session, expiration: '2020-04-13T18:56:20+01:00' })).toBe(false);
    expect(valid('RegisterRequest', { name: 'Zoë_2.0-x', password: '12345678' })).toBe(true);
    expect(valid('RegisterRequest', { name: 'user2', password: 'user2' })).toBe(false);
    expect(valid('RegisterRequest', { name: 'has space', password: '12345678' })).toBe(false);
    expect(valid('RegisterRequest', { name: 'a'.repeat(33), password: '12345678' })).toBe(false);
    expect(valid('RegisterRequest', { name: 'ok', password: '12345678', admin: true })).toBe(false);
    expect(valid('LoginRequest', { name: 'user1', password: 'user1' })).toBe(true);
    expect(valid('User', { _id: { $oid: '5e626bd89158f3ecad052a8e' }, name: 'user1', icon: null, status: null })).toBe(true);
    expect(valid('Error', { code: 401, message: 'UNAUTHORIZED' })).toBe(true);
    expect(valid('Error', { code: 401, message: 'Unauthorized' })).toBe(false);
  });
});
