// Checks bodies and headers against openapi.yaml's own schemas: Fastify's serializer shapes
// responses but does not validate them, so tests must.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const contract = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(contract, 'contract');

/** Errors of `value` against components/schemas/`name`, as text; empty when it conforms. */
export function schemaErrors(name: string, value: unknown): string {
  const validate = ajv.getSchema(`contract#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name} in openapi.yaml`);
  return validate(value) ? '' : ajv.errorsText(validate.errors);
}

export function expectSchema(name: string, value: unknown): void {
  const errors = schemaErrors(name, value);
  if (errors) throw new Error(`does not match ${name}: ${errors}\n${JSON.stringify(value)}`);
}
