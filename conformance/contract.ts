// The contract as the suite sees it: openapi.yaml read at run time (never a copy) and its schemas
// compiled with Ajv, so a change to the contract changes what the suite demands.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/** A JSON Schema object as it appears in the contract (the subset the suite reads). */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
}

interface MediaType {
  schema?: JsonSchema;
}
interface HeaderObject {
  $ref?: string;
  required?: boolean;
  schema?: JsonSchema;
}
interface ResponseObject {
  $ref?: string;
  headers?: Record<string, HeaderObject>;
  content?: Record<string, MediaType>;
}
interface OperationObject {
  operationId?: string;
  security?: Record<string, string[]>[];
  requestBody?: { $ref?: string; required?: boolean; content?: Record<string, MediaType> };
  responses?: Record<string, ResponseObject>;
}
interface SecurityScheme {
  type: string;
  in?: 'header' | 'cookie' | 'query';
  name?: string;
}
interface OpenApiDocument {
  info: { version: string; description?: string };
  paths: Record<string, Record<string, OperationObject>>;
  security?: Record<string, string[]>[];
  components?: { securitySchemes?: Record<string, SecurityScheme> };
}

/** One documented response header, with a validator for its values. */
export interface DocumentedHeader {
  name: string;
  required: boolean;
  /** Header values are text: a numeric schema means the value is compared as a number. */
  numeric: boolean;
  validate: ValidateFunction;
}

/** One documented status of an operation. */
export interface DocumentedResponse {
  status: number;
  /** Validator of the JSON body, when the contract documents one. */
  body?: ValidateFunction;
  headers: DocumentedHeader[];
}

export interface Operation {
  id: string;
  method: string;
  path: string;
  /** The security alternatives: each a list of schemes that must all be present (empty = public). */
  security: SecurityScheme[][];
  requestSchema?: JsonSchema;
  requestValidator?: ValidateFunction;
  responses: Map<number, DocumentedResponse>;
}

export interface Contract {
  version: string;
  operations: Operation[];
  securitySchemes: Record<string, SecurityScheme>;
  /** status → `message` constant, read from the error table in the contract's description. */
  errorMessages: Map<number, string>;
  /** Validator of a named schema under `components/schemas`. */
  schema(name: string): ValidateFunction;
  /** The named schema itself, refs not resolved. */
  schemaObject(name: string): JsonSchema;
  /** Resolves a `$ref` to a schema in the contract. */
  resolve(schema: JsonSchema): JsonSchema;
  /** The documented operation a request hits, if any. */
  operationFor(method: string, path: string): Operation | undefined;
  /** Ajv's errors of the last validation, as one line; `dataVar` names the value checked. */
  describeErrors(validate: ValidateFunction, dataVar?: string): string;
}

const CONTRACT_ID = 'azuma-contract';
/** The repository's contract: located relative to this package, not the caller's cwd. */
export const CONTRACT_FILE = new URL('../openapi.yaml', import.meta.url);

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointer = (key: string) => key.replace(/~1/g, '/').replace(/~0/g, '~');

export function loadContract(file: URL | string = CONTRACT_FILE): Contract {
  const doc = parse(readFileSync(file, 'utf8')) as OpenApiDocument;
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats.default(ajv);
  // The whole document is added as one schema so `#/components/...` refs resolve inside it; its
  // OpenAPI keys are declared as annotation keywords so strict mode accepts the root.
  ajv.addVocabulary(['openapi', 'info', 'servers', 'tags', 'paths', 'components', 'webhooks', 'jsonSchemaDialect', 'security', 'externalDocs']);
  ajv.addSchema(doc as object, CONTRACT_ID);

  const at = (pointer: string): unknown =>
    pointer
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[unescapePointer(key)], doc);
  // Follows `$ref`s of non-schema objects (responses, headers) and returns the final pointer.
  const follow = (pointer: string): string => {
    const node = at(pointer) as { $ref?: string } | undefined;
    return node?.$ref ? follow(node.$ref) : pointer;
  };
  const validator = (pointer: string): ValidateFunction => {
    const validate = ajv.getSchema(`${CONTRACT_ID}${pointer}`);
    if (!validate) throw new Error(`openapi.yaml has no schema at ${pointer}`);
    return validate;
  };

  const resolve = (schema: JsonSchema): JsonSchema => (schema.$ref ? resolve(at(schema.$ref) as JsonSchema) : schema);

  const schemes = doc.components?.securitySchemes ?? {};
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].includes(method)) continue;
      const base = `#/paths/${escapePointer(path)}/${method}`;
      const responses = new Map<number, DocumentedResponse>();
      for (const status of Object.keys(op.responses ?? {})) {
        const responsePointer = follow(`${base}/responses/${status}`);
        const response = at(responsePointer) as ResponseObject;
        const headers: DocumentedHeader[] = Object.keys(response.headers ?? {}).map((name) => {
          const headerPointer = follow(`${responsePointer}/headers/${escapePointer(name)}`);
          const header = at(headerPointer) as HeaderObject;
          const type = header.schema ? resolve(header.schema).type : undefined;
          return {
            name,
            required: header.required === true,
            numeric: type === 'integer' || type === 'number',
            validate: validator(`${headerPointer}/schema`),
          };
        });
        const json = response.content?.['application/json'];
        responses.set(Number(status), {
          status: Number(status),
          headers,
          ...(json?.schema ? { body: validator(`${responsePointer}/content/application~1json/schema`) } : {}),
        });
      }
      const bodyPointer = op.requestBody ? follow(`${base}/requestBody`) : undefined;
      const requestSchema = bodyPointer ? (at(`${bodyPointer}/content/application~1json/schema`) as JsonSchema | undefined) : undefined;
      const security = (op.security ?? doc.security ?? []).map((requirement) =>
        Object.keys(requirement).map((name) => {
          const scheme = schemes[name];
          if (!scheme) throw new Error(`openapi.yaml: ${op.operationId} uses unknown security scheme ${name}`);
          return scheme;
        }),
      );
      operations.push({
        id: op.operationId ?? `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        security: security.filter((alternative) => alternative.length > 0),
        ...(requestSchema
          ? { requestSchema, requestValidator: validator(`${bodyPointer}/content/application~1json/schema`) }
          : {}),
        responses,
      });
    }
  }

  const errorMessages = new Map<number, string>();
  for (const match of (doc.info.description ?? '').matchAll(/^\|\s*(\d{3})\s*\|\s*`([A-Z_]+)`/gm)) {
    errorMessages.set(Number(match[1]), match[2]!);
  }

  const pathPatterns = operations.map((op) => ({
    op,
    re: new RegExp(`^${op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));

  return {
    version: doc.info.version,
    operations,
    securitySchemes: schemes,
    errorMessages,
    schema: (name) => validator(`#/components/schemas/${escapePointer(name)}`),
    schemaObject: (name) => {
      const schema = at(`#/components/schemas/${escapePointer(name)}`) as JsonSchema | undefined;
      if (!schema) throw new Error(`openapi.yaml has no schema ${name}`);
      return schema;
    },
    resolve,
    operationFor: (method, path) => {
      const bare = path.split('?')[0]!;
      return pathPatterns.find(({ op, re }) => op.method === method.toUpperCase() && re.test(bare))?.op;
    },
    describeErrors: (validate, dataVar = 'body') => ajv.errorsText(validate.errors, { dataVar, separator: '; ' }),
  };
}
