// Checks bodies and headers against openapi.yaml's own schemas: Fastify's serializer shapes
// responses but does not validate them, so tests must. The conformance suite's loader compiles
// the contract; the tests use the same one.

import { ERROR_MESSAGES } from '@azuma/contract/generated/contract-facts';
import type { components } from '@azuma/contract/generated/openapi';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { compileContract } from '../../conformance/contract.js';

const contract = compileContract();

/** Errors of `value` against components/schemas/`name`, as text; empty when it conforms. */
export function schemaErrors(name: string, value: unknown): string {
  const validate = contract.schema(name);
  return validate(value) ? '' : contract.describeErrors(validate, name);
}

export function expectSchema(name: string, value: unknown): void {
  const errors = schemaErrors(name, value);
  if (errors) throw new Error(`does not match ${name}: ${errors}\n${JSON.stringify(value)}`);
}

/** A status whose error message the contract pins. */
export type ErrorStatus = keyof typeof ERROR_MESSAGES extends infer K ? (K extends `${infer N extends number}` ? N : never) : never;

/** Fails unless `res` is the contract's error answer for `status`: JSON in the Error shape, with the message it pins. Answers the body. */
export function expectError(res: LightMyRequestResponse, status: ErrorStatus): components['schemas']['Error'] {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = res.json() as components['schemas']['Error'];
  expectSchema('Error', body);
  expect(body).toMatchObject({ code: status, message: ERROR_MESSAGES[status] });
  return body;
}

/** Why a response body is not what the contract documents for that operation and status; empty when it is. */
export function responseErrors(method: string, path: string, status: number, body: unknown): string[] {
  const operation = contract.operationFor(method, path);
  if (!operation) return [`${method} ${path} is no operation of the contract`];
  const documented = operation.responses.get(status);
  if (!documented) return [`${operation.id} does not document ${status}`];
  if (documented.body && !documented.body(body)) return [contract.describeErrors(documented.body)];
  return [];
}

/** Why the headers of a response break what the contract documents for that operation and status; empty when they conform. */
export function responseHeaderErrors(method: string, path: string, status: number, headers: Record<string, unknown>): string[] {
  const documented = contract.operationFor(method, path)?.responses.get(status);
  if (!documented) return [`${method} ${path} does not document ${status}`];
  return documented.headers.flatMap((header) => {
    const value = headers[header.name.toLowerCase()];
    if (value === undefined) return header.required ? [`${header.name} is missing`] : [];
    if (header.name.toLowerCase() === 'set-cookie') return [];
    // Header values are text; a numeric schema compares them as numbers, as the suite does.
    const text = String(value);
    const data = header.numeric && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    return header.validate(data) ? [] : [`${header.name}: ${contract.describeErrors(header.validate, header.name)}`];
  });
}
