import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const CONTRACT_PATH = new URL('../openapi.yaml', import.meta.url);
export const DOCS_PATH = new URL('../docs/index.html', import.meta.url);

export interface Contract {
  /** The YAML text, served as-is at GET /openapi.yaml. */
  text: string;
  /** The parsed document, handed to fastify-openapi-glue. */
  document: { info: { version: string }; components: { securitySchemes: Record<string, unknown> } } & Record<string, unknown>;
}

/** Read once at start-up: routes, schemas and the reported version all come from this file. */
export function loadContract(): Contract {
  const text = readFileSync(CONTRACT_PATH, 'utf8');
  return { text, document: parse(text) };
}
