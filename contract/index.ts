// The one typed reader of openapi.yaml. Server, conformance suite, the client's generated facts
// and the tests all ask it, so a fact the contract states (scheme names, the token pattern, error
// constants, windows and limits) is written once, in the contract, and read everywhere else.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OpenAPIV3_1 } from 'openapi-types';
import { parse } from 'yaml';

/**
 * The contract this code was built with: beside the sources (a link to the repository's
 * openapi.yaml) as beside the built code (the copy the package's build makes).
 */
export const CONTRACT_FILE = new URL('./openapi.yaml', import.meta.url);

export type Document = OpenAPIV3_1.Document;
export type SchemaObject = OpenAPIV3_1.SchemaObject;

export interface ApiKeyScheme {
  type: 'apiKey';
  in: 'cookie' | 'header' | 'query';
  name: string;
}

/** One documented response of an operation, `$ref`s followed. */
export interface ContractResponse {
  status: number;
  /** JSON pointer of the response object. */
  pointer: string;
  /** JSON pointer of its `application/json` schema, when it has a body. */
  bodySchema?: string;
  headers: { name: string; required: boolean; schema: string; numeric: boolean }[];
}

export interface ContractOperation {
  id: string;
  /** Upper case, as on the wire. */
  method: string;
  path: string;
  /** Alternatives in the contract's order, each the names of schemes that must all accept; `[]` = public. */
  security: string[][];
  /** JSON pointer of the request body's `application/json` schema. */
  requestSchema?: string;
  responses: ReadonlyMap<number, ContractResponse>;
}

/** The `x-azuma` extension at the top of the contract: the prose's windows and limits, machine-readable. */
export interface ContractLimits {
  refreshWindowSeconds: number;
  requestBodyLimitBytes: number;
  requestHeaderLimitBytes: number;
}

export interface SessionFacts {
  /** The cookie of the apiKey scheme `in: cookie`. */
  cookie: string;
  /** The request and response header of the apiKey scheme `in: header`. */
  header: string;
  /** `components.schemas.Token.pattern`. */
  tokenPattern: RegExp;
  /** A token expiring within this many ms gets a successor. */
  refreshWindowMs: number;
  /** `METHOD path` of the operations whose success issues a new session (a required Set-Cookie on 200). */
  issuingOperations: string[];
}

/** One normative statement of the contract (`x-rules`), by its stable id. */
export interface ContractRule {
  id: string;
  /** The statement, in one sentence of Markdown. */
  rule: string;
  /** Where the contract states it: JSON pointers (`#/...`) or `§Heading` sections of info.description. */
  where: string[];
  /** Why no client can observe it, for a rule no conformance check can prove. */
  untestable?: string;
}

export interface LoadedContract {
  /** Where it was read from. */
  file: string;
  /** The YAML as written, for serving. */
  text: string;
  /** The parsed document, `$ref`s kept. */
  document: Document;
  version: string;
  operations: readonly ContractOperation[];
  securitySchemes: Readonly<Record<string, ApiKeyScheme>>;
  session: SessionFacts;
  /** HTTP status → its `message` constant, from the error responses' pinned `const`s. */
  errors: ReadonlyMap<number, string>;
  limits: ContractLimits;
  /** The `x-rules` list, in the contract's order. */
  rules: readonly ContractRule[];
  /** The node at a JSON pointer (`#/components/...`). */
  at<T = unknown>(pointer: string): T;
  /** Follows `$ref`s from a pointer to the pointer of the node they end at. */
  follow(pointer: string): string;
  /** A schema with its `$ref` chain followed. */
  resolve(schema: SchemaObject | OpenAPIV3_1.ReferenceObject): SchemaObject;
  /** The documented operation a request hits, if any. */
  operationFor(method: string, path: string): ContractOperation | undefined;
}

export class ContractError extends Error {
  override name = 'ContractError';
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointer = (key: string) => key.replace(/~1/g, '/').replace(/~0/g, '~');

/** Reads, parses and indexes a contract; any fact missing from it is a ContractError naming it. */
export function loadContract(file: URL | string = CONTRACT_FILE): LoadedContract {
  const path = typeof file === 'string' ? file : fileURLToPath(file);
  const text = readFileSync(path, 'utf8');
  return indexContract(text, path);
}

/** The document as written, `$ref`s kept and nothing checked: what the breaking-change gate compares, old releases included. */
export function parseDocument(text: string): Document {
  return parse(text) as Document;
}

/** The node at a JSON pointer (`#/components/...`) of a document, `$ref`s not followed. */
export function pointerTarget(document: unknown, pointer: string): unknown {
  return pointer
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[unescapePointer(key)], document);
}

export function indexContract(text: string, file = '<text>'): LoadedContract {
  const document = parseDocument(text);
  const fail = (what: string): never => {
    throw new ContractError(`${file}: ${what}`);
  };

  const at = <T>(pointer: string): T => pointerTarget(document, pointer) as T;
  const follow = (pointer: string, seen = new Set<string>()): string => {
    const ref = at<{ $ref?: unknown } | undefined>(pointer)?.$ref;
    if (typeof ref !== 'string') return pointer;
    if (seen.has(ref)) fail(`circular $ref ${ref}`);
    return follow(ref, seen.add(ref));
  };
  const resolve = (schema: SchemaObject | OpenAPIV3_1.ReferenceObject): SchemaObject =>
    '$ref' in schema ? at<SchemaObject>(follow(schema.$ref)) : schema;

  const securitySchemes = apiKeySchemes(document, fail);
  const operations = indexOperations(document, at, follow, resolve, securitySchemes, fail);
  const errors = errorConstants(document, at, follow, fail);
  const limits = contractLimits(document, fail);
  const session = sessionFacts(document, securitySchemes, operations, limits, fail);
  const rules = contractRules(document, fail);

  const routes = operations.map((op) => ({
    op,
    re: new RegExp(`^${op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));

  return {
    file,
    text,
    document,
    version: document.info?.version ?? fail('info.version is missing'),
    operations,
    securitySchemes,
    session,
    errors,
    limits,
    rules,
    at,
    follow: (pointer) => follow(pointer),
    resolve,
    operationFor: (method, requestPath) => {
      const bare = requestPath.split('?')[0]!;
      return routes.find(({ op, re }) => op.method === method.toUpperCase() && re.test(bare))?.op;
    },
  };
}

type Fail = (what: string) => never;

function apiKeySchemes(document: Document, fail: Fail): Record<string, ApiKeyScheme> {
  const schemes: Record<string, ApiKeyScheme> = {};
  for (const [name, scheme] of Object.entries(document.components?.securitySchemes ?? {})) {
    if ('$ref' in scheme || scheme.type !== 'apiKey') fail(`security scheme ${name} must be an inline apiKey scheme`);
    const { in: where, name: key } = scheme as OpenAPIV3_1.ApiKeySecurityScheme;
    if (where !== 'cookie' && where !== 'header' && where !== 'query') fail(`security scheme ${name} has no valid 'in'`);
    schemes[name] = { type: 'apiKey', in: where as ApiKeyScheme['in'], name: key };
  }
  return schemes;
}

function indexOperations(
  document: Document,
  at: <T>(pointer: string) => T,
  follow: (pointer: string) => string,
  resolve: (schema: SchemaObject | OpenAPIV3_1.ReferenceObject) => SchemaObject,
  schemes: Record<string, ApiKeyScheme>,
  fail: Fail,
): ContractOperation[] {
  const operations: ContractOperation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const op = item?.[method];
      if (!op) continue;
      const base = `#/paths/${escapePointer(path)}/${method}`;
      const id = op.operationId ?? fail(`${method.toUpperCase()} ${path} has no operationId`);
      const security = (op.security ?? document.security ?? []).map((requirement) =>
        Object.keys(requirement).map((name) => (schemes[name] ? name : fail(`${id} uses unknown security scheme ${name}`))),
      );
      const responses = new Map<number, ContractResponse>();
      for (const status of Object.keys(op.responses ?? {})) {
        const pointer = follow(`${base}/responses/${status}`);
        const response = at<OpenAPIV3_1.ResponseObject>(pointer);
        const headers = Object.keys(response.headers ?? {}).map((name) => {
          const headerPointer = follow(`${pointer}/headers/${escapePointer(name)}`);
          const header = at<OpenAPIV3_1.HeaderObject>(headerPointer);
          const type = header.schema ? resolve(header.schema).type : undefined;
          return {
            name,
            required: header.required === true,
            schema: `${headerPointer}/schema`,
            numeric: type === 'integer' || type === 'number',
          };
        });
        const json = response.content?.['application/json'];
        responses.set(Number(status), {
          status: Number(status),
          pointer,
          headers,
          ...(json?.schema ? { bodySchema: `${pointer}/content/application~1json/schema` } : {}),
        });
      }
      const body = op.requestBody ? follow(`${base}/requestBody`) : undefined;
      const hasJsonBody = body !== undefined && at(`${body}/content/application~1json/schema`) !== undefined;
      operations.push({
        id,
        method: method.toUpperCase(),
        path,
        // An empty alternative makes credentials optional: such an operation is public.
        security: security.some((alternative) => alternative.length === 0) ? [] : security,
        ...(hasJsonBody ? { requestSchema: `${body}/content/application~1json/schema` } : {}),
        responses,
      });
    }
  }
  return operations;
}

/** Every error response in components.responses pins `code` and `message` with `const` (in an allOf beside Error). */
function errorConstants(document: Document, at: <T>(pointer: string) => T, follow: (pointer: string) => string, fail: Fail) {
  const errors = new Map<number, string>();
  for (const name of Object.keys(document.components?.responses ?? {})) {
    const pointer = `${follow(`#/components/responses/${escapePointer(name)}`)}/content/application~1json/schema`;
    const schema = at<SchemaObject | undefined>(pointer);
    for (const part of schema?.allOf ?? []) {
      const { code, message } = ('$ref' in part ? at<SchemaObject>(follow(part.$ref)) : part).properties ?? {};
      const status = code && 'const' in code ? code.const : undefined;
      const constant = message && 'const' in message ? message.const : undefined;
      if (status === undefined && constant === undefined) continue;
      if (typeof status !== 'number' || typeof constant !== 'string') fail(`response ${name} must pin both code and message`);
      if (errors.has(status) && errors.get(status) !== constant)
        fail(`status ${status} is pinned to both ${errors.get(status)} and ${constant}`);
      errors.set(status, constant);
    }
  }
  if (errors.size === 0) fail('no error response pins its code and message with const');
  return errors;
}

function contractLimits(document: Document, fail: Fail): ContractLimits {
  const raw = (document as Document & { 'x-azuma'?: Record<string, unknown> })['x-azuma'] ?? fail('the x-azuma extension is missing');
  const number = (key: keyof ContractLimits) => {
    const value = raw[key];
    return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fail(`x-azuma.${key} must be a positive integer`);
  };
  return {
    refreshWindowSeconds: number('refreshWindowSeconds'),
    requestBodyLimitBytes: number('requestBodyLimitBytes'),
    requestHeaderLimitBytes: number('requestHeaderLimitBytes'),
  };
}

function sessionFacts(
  document: Document,
  schemes: Record<string, ApiKeyScheme>,
  operations: ContractOperation[],
  limits: ContractLimits,
  fail: Fail,
): SessionFacts {
  const named = (where: ApiKeyScheme['in']) =>
    Object.values(schemes).find((scheme) => scheme.in === where)?.name ?? fail(`no apiKey security scheme in ${where}`);
  const token = document.components?.schemas?.Token;
  const pattern =
    token && 'pattern' in token && typeof token.pattern === 'string' ? token.pattern : fail('components.schemas.Token has no pattern');
  const issuingOperations = operations
    .filter((op) => op.responses.get(200)?.headers.some((h) => h.name.toLowerCase() === 'set-cookie' && h.required))
    .map((op) => `${op.method} ${op.path}`);
  return {
    cookie: named('cookie'),
    header: named('header'),
    tokenPattern: new RegExp(pattern),
    refreshWindowMs: limits.refreshWindowSeconds * 1000,
    issuingOperations,
  };
}

/** The `# Heading`s of info.description, which rules cite as `§Heading`. */
export function descriptionSections(document: Document): string[] {
  return [...(document.info?.description ?? '').matchAll(/^#+ +(.+?) *$/gm)].map((m) => m[1]!);
}

/**
 * The code recipes of §Token refresh for apps that use another generator, by generator: each a
 * `ts` block of that section whose first line is `// <generator>: <file name>`.
 */
export function generatorRecipes(document: Document): Map<string, { file: string; source: string }> {
  const description = document.info?.description ?? '';
  const section = /^# Token refresh *$([\s\S]*?)(?=^# )/m.exec(description)?.[1] ?? '';
  const recipes = new Map<string, { file: string; source: string }>();
  for (const [, source] of section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    const [, generator, file] = /^\/\/ ([\w@/-]+): (\S+)$/m.exec(source!.split('\n')[0]!) ?? [];
    if (generator && file) recipes.set(generator, { file, source: source! });
  }
  return recipes;
}

const RULE_ID = /^[A-Z]+-[1-9][0-9]*$/;

function contractRules(document: Document, fail: Fail): ContractRule[] {
  const raw = (document as Document & { 'x-rules'?: unknown })['x-rules'];
  if (!Array.isArray(raw)) fail('the x-rules list is missing');
  const sections = new Set(descriptionSections(document));
  const seen = new Set<string>();
  return (raw as Record<string, unknown>[]).map((entry, i) => {
    const { id, rule, where, untestable } = entry ?? {};
    if (typeof id !== 'string' || !RULE_ID.test(id)) fail(`x-rules[${i}].id must look like TOPIC-1, got ${JSON.stringify(id)}`);
    if (seen.has(id)) fail(`x-rules: ${id} is used twice`);
    seen.add(id);
    if (typeof rule !== 'string' || rule.trim() === '') fail(`x-rules ${id} has no rule text`);
    if (!Array.isArray(where) || where.length === 0) fail(`x-rules ${id} must say where the contract states it`);
    for (const place of where) {
      const found =
        typeof place === 'string' &&
        (place.startsWith('§') ? sections.has(place.slice(1)) : place.startsWith('#/') && pointerTarget(document, place) !== undefined);
      if (!found) fail(`x-rules ${id} points at ${JSON.stringify(place)}, which the contract does not have`);
    }
    if (untestable !== undefined && (typeof untestable !== 'string' || untestable.trim() === ''))
      fail(`x-rules ${id}: untestable must give the reason`);
    return { id, rule, where: where as string[], ...(untestable !== undefined ? { untestable: untestable as string } : {}) };
  });
}

/** One `x-codeSamples` entry: a sample request of an operation, shown in the docs. */
export interface CodeSample {
  operation: ContractOperation;
  /** `Shell` (curl) or `TypeScript` (the typed client). */
  lang: string;
  label: string;
  source: string;
}

/** Every `x-codeSamples` entry, operation by operation in the contract's order. */
export function codeSamples(contract: LoadedContract): CodeSample[] {
  return contract.operations.flatMap((operation) => {
    const pointer = `#/paths/${escapePointer(operation.path)}/${operation.method.toLowerCase()}/x-codeSamples`;
    const entries = contract.at<unknown>(pointer) ?? [];
    if (!Array.isArray(entries)) throw new ContractError(`${contract.file}: ${pointer} must be a list`);
    return (entries as unknown[]).map((entry, index) => {
      const { lang, label, source } = (entry ?? {}) as Record<string, unknown>;
      if (typeof lang !== 'string' || typeof label !== 'string' || typeof source !== 'string') {
        throw new ContractError(`${contract.file}: ${pointer}/${index} needs lang, label and source strings`);
      }
      return { operation, lang, label, source };
    });
  });
}

export interface AccountCredentials {
  name: string;
  password: string;
}

/**
 * The accounts the contract's examples and samples take as existing: the request examples of
 * login (`loginUser`), `$ref`s followed. A demo server registers them, so samples run as written.
 */
export function exampleAccounts(contract: LoadedContract): AccountCredentials[] {
  const fail = (what: string): never => {
    throw new ContractError(`${contract.file}: ${what}`);
  };
  const login = contract.operations.find((op) => op.id === 'loginUser') ?? fail('no operation loginUser');
  const media = login.requestSchema?.replace(/\/schema$/, '') ?? fail('loginUser has no JSON request body');
  const examples = contract.at<Record<string, unknown> | undefined>(`${media}/examples`) ?? fail('loginUser has no request examples');
  return Object.keys(examples).map((key) => {
    const pointer = contract.follow(`${media}/examples/${escapePointer(key)}`);
    const { name, password } = contract.at<{ value?: Record<string, unknown> }>(pointer).value ?? {};
    return typeof name === 'string' && typeof password === 'string'
      ? { name, password }
      : fail(`${pointer} must have a value with a name and a password`);
  });
}
