// Messages between the store (main thread) and its writer thread (writer-worker.ts).
import type { RepositoryName } from './repositories.js';

/** What the writer thread is started with. */
export interface WriterData {
  path: string;
}

/** One write step: a repository method and its arguments. */
export interface WriteRequest {
  id: number;
  repository: RepositoryName;
  method: string;
  args: unknown[];
}

/** Everything sent written since the last COMMIT is committed, then the thread ends. */
export interface CloseRequest {
  close: true;
}

export type ToWriter = WriteRequest | CloseRequest;

/** An error as it crosses the thread boundary: SQLite's code survives, which a cloned Error would drop. */
export interface ErrorData {
  name: string;
  message: string;
  code?: string;
}

/** A step's outcome, sent only after the COMMIT that made it durable returned (or failed). */
export type WriteReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorData };

/** A batch's replies, one message per COMMIT. */
export type FromWriter = WriteReply[];

export function errorData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code } = error as NodeJS.ErrnoException;
  return { name: error.name, message: error.message, ...(typeof code === 'string' && { code }) };
}

export function errorFrom({ name, message, code }: ErrorData): Error {
  const error: Error & { code?: string } = new Error(message);
  error.name = name;
  if (code !== undefined) error.code = code;
  return error;
}

/**
 * The value as it was before crossing: structured cloning turns a Buffer into a plain Uint8Array,
 * and the repositories (and their callers) expect Buffers.
 */
export function revive(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(revive);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, revive(field)]));
  }
  return value;
}
