// The contract as the suite checks it: the contract module's index of openapi.yaml (the package's
// own copy unless --contract names another) plus Ajv validators compiled from its schemas, so a
// change to the contract changes what the suite demands.

import {
  type ApiKeyScheme,
  CONTRACT_FILE,
  type LoadedContract as ContractIndex,
  escapePointer,
  loadContract,
  type SchemaObject,
} from '@azuma/contract';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export { CONTRACT_FILE, type SchemaObject };

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
  security: ApiKeyScheme[][];
  requestSchema?: SchemaObject;
  requestValidator?: ValidateFunction;
  /** Ids of the contract's rules that cite the request body's schema: what validating it proves. */
  requestRules: string[];
  /** The `{name}` parameters of the path, with their schemas, so requests can fill them in. */
  pathParameters: { name: string; schema: SchemaObject }[];
  responses: Map<number, DocumentedResponse>;
}

export interface Contract {
  /** The contract module's index: version, session facts, error constants, limits. */
  index: ContractIndex;
  version: string;
  operations: Operation[];
  /** Validator of a named schema under `components/schemas`. */
  schema(name: string): ValidateFunction;
  /** The named schema itself, refs not resolved. */
  schemaObject(name: string): SchemaObject;
  /** Resolves a `$ref` to a schema in the contract. */
  resolve: ContractIndex['resolve'];
  /** The documented operation a request hits, if any. */
  operationFor(method: string, path: string): Operation | undefined;
  /** Ajv's errors of the last validation, as one line; `dataVar` names the value checked. */
  describeErrors(validate: ValidateFunction, dataVar?: string): string;
}

const CONTRACT_ID = 'azuma-contract';

export function compileContract(file: URL | string = CONTRACT_FILE): Contract {
  const index = loadContract(file);
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats.default(ajv);
  // The whole document is added as one schema so `#/components/...` refs resolve inside it; its
  // OpenAPI keys (and vendor extensions) are declared as annotation keywords so strict mode
  // accepts the root.
  const rootKeys = [
    'openapi',
    'info',
    'servers',
    'tags',
    'paths',
    'components',
    'webhooks',
    'jsonSchemaDialect',
    'security',
    'externalDocs',
  ];
  ajv.addVocabulary([...new Set([...rootKeys, ...Object.keys(index.document).filter((key) => key.startsWith('x-'))])]);
  ajv.addSchema(index.document as object, CONTRACT_ID);
  const validator = (pointer: string): ValidateFunction => {
    const validate = ajv.getSchema(`${CONTRACT_ID}${pointer}`);
    if (!validate) throw new Error(`${index.file} has no schema at ${pointer}`);
    return validate;
  };

  const operations = index.operations.map(
    (op): Operation => ({
      id: op.id,
      method: op.method,
      path: op.path,
      security: op.security.map((alternative) => alternative.map((name) => index.securitySchemes[name]!)),
      pathParameters: pathParameters(index, op.path, op.method),
      ...(op.requestSchema
        ? { requestSchema: index.at<SchemaObject>(op.requestSchema), requestValidator: validator(op.requestSchema) }
        : {}),
      requestRules: op.requestSchema ? rulesCiting(index, index.follow(op.requestSchema)) : [],
      responses: new Map(
        [...op.responses].map(([status, response]) => [
          status,
          {
            status,
            headers: response.headers.map((header) => ({ ...header, validate: validator(header.schema) })),
            ...(response.bodySchema ? { body: validator(response.bodySchema) } : {}),
          },
        ]),
      ),
    }),
  );
  const byIndex = new Map(index.operations.map((op, i) => [op, operations[i]!]));

  return {
    index,
    version: index.version,
    operations,
    schema: (name) => validator(`#/components/schemas/${escapePointer(name)}`),
    schemaObject: (name) =>
      index.at<SchemaObject | undefined>(`#/components/schemas/${escapePointer(name)}`) ?? raise(`${index.file} has no schema ${name}`),
    resolve: index.resolve,
    operationFor: (method, path) => {
      const op = index.operationFor(method, path);
      return op && byIndex.get(op);
    },
    describeErrors: (validate, dataVar = 'body') => ajv.errorsText(validate.errors, { dataVar, separator: '; ' }),
  };
}

/** The path's `in: path` parameters, declared on the operation or on its path item, `$ref`s followed. */
function pathParameters(index: ContractIndex, path: string, method: string): Operation['pathParameters'] {
  const base = `#/paths/${escapePointer(path)}`;
  const declared = [
    ...(index.at<unknown[] | undefined>(`${base}/parameters`) ?? []),
    ...(index.at<unknown[] | undefined>(`${base}/${method.toLowerCase()}/parameters`) ?? []),
  ];
  return declared
    .map((parameter) => index.resolve(parameter as SchemaObject) as { name?: string; in?: string; schema?: SchemaObject })
    .filter((parameter) => parameter.in === 'path' && parameter.name && parameter.schema)
    .map((parameter) => ({ name: parameter.name!, schema: parameter.schema! }));
}

/** The rules whose `where` names the pointer. */
function rulesCiting(index: ContractIndex, pointer: string): string[] {
  return index.rules.filter((rule) => rule.where.includes(pointer)).map((rule) => rule.id);
}

function raise(message: string): never {
  throw new Error(message);
}
