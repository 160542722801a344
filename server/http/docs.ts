import { readFileSync } from 'node:fs';
import fp from 'fastify-plugin';
import { DOCS_HEADERS } from './security-headers.js';

/**
 * The rendered reference: beside the sources in the package (server/docs/, a link to the
 * repository's docs/index.html) as in its dist/ (the copy the build makes).
 */
export const DOCS_FILE = new URL('../docs/index.html', import.meta.url);

/** GET /docs (the rendered reference) and GET /openapi.yaml (the contract as written). */
export const docsRoutes = fp<{ contractText: string }>(
  async (app, { contractText }) => {
    const html = readFileSync(DOCS_FILE);
    app.get('/openapi.yaml', (_request, reply) => reply.type('application/yaml; charset=utf-8').send(contractText));
    app.get('/docs', { config: { securityHeaders: DOCS_HEADERS } }, (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  },
  { name: 'azuma-docs' },
);
