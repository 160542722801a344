import { readFileSync } from 'node:fs';
import { DOCS_FILE } from '@azuma/contract';
import fp from 'fastify-plugin';
import { DOCS_HEADERS } from './security-headers.js';

/** GET /docs (the rendered reference) and GET /openapi.yaml (the contract as written). */
export const docsRoutes = fp<{ contractText: string }>(
  async (app, { contractText }) => {
    const html = readFileSync(DOCS_FILE);
    app.get('/openapi.yaml', (_request, reply) => reply.type('application/yaml; charset=utf-8').send(contractText));
    app.get('/docs', { config: { securityHeaders: DOCS_HEADERS } }, (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  },
  { name: 'azuma-docs' },
);
