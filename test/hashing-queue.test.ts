// A full hashing queue must answer, not hang up: every registration the server accepts gets 200,
// or 503 with Retry-After in the error shape, however long the queue is against the idle timeout.

import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { OWASP_SCRYPT } from '../server/domains/accounts/passwords.js';
import { responseErrors } from './support/contract.js';
import { type RunningServer, startServer } from './support/server.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Answer = { status: number; retryAfter?: string; body: string };
type Outcome = Answer | { error: string };

/** POST /api/register on a connection of its own: the answer, or how the connection failed. */
function register(url: string, name: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const payload = JSON.stringify({ name, password: 'correct horse battery' });
    const req = request(
      `${url}/api/register`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode!, body, ...(res.headers['retry-after'] && { retryAfter: res.headers['retry-after'] }) }),
        );
        res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(payload);
  });
}

describe('the hashing queue against the idle timeout', () => {
  it('when far more registrations arrive at once than hashing takes and queues, with more queued work than the idle timeout lasts, then every one is answered 200 or 503 with Retry-After', async () => {
    // The real cost, one hash at a time, a queue that takes several idle timeouts to work through.
    server = await startServer({ hashConcurrency: 1, hashQueueLimit: 12, idleTimeoutSeconds: 1 }, { scrypt: OWASP_SCRYPT });
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => register(server!.url, `queued${i}`)));

    const unanswered = outcomes.filter((outcome) => 'error' in outcome);
    expect(unanswered).toEqual([]);
    const answers = outcomes.filter((outcome): outcome is Answer => !('error' in outcome));
    expect(answers.filter((answer) => answer.status !== 200 && answer.status !== 503)).toEqual([]);
    const busy = answers.filter((answer) => answer.status === 503);
    for (const answer of busy) {
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
      expect(responseErrors('POST', '/api/register', 503, JSON.parse(answer.body))).toEqual([]);
    }
    // Some were served and some refused: the queue was both used and full.
    expect(answers.some((answer) => answer.status === 200)).toBe(true);
    expect(busy.length).toBeGreaterThan(0);
  });
});
