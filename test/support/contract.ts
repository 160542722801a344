// Checks bodies and headers against openapi.yaml's own schemas: Fastify's serializer shapes
// responses but does not validate them, so tests must. The conformance suite's loader compiles
// the contract; the tests use the same one.
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
