import type { operations } from '@azuma/contract/generated/openapi';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http/http-error.js';

// The handlers' types, read from the contract's generated `operations`: what each operation takes
// (path, query, headers, body) and the answers it documents (every 2xx, with its body and
// headers). Generic over the operation's shape, so an operation the contract gains later (a 201
// with `Location`, a cursor in the query, an idempotency key in a header) fits without a change here.

/** The part of an operation's generated type these types read. */
export interface OperationShape {
  parameters: { query?: unknown; header?: unknown; path?: unknown };
  requestBody?: unknown;
  responses: object;
}

/** `undefined` for a part the operation does not have (generated as `never`). */
type Present<T, Otherwise = undefined> = [T] extends [never] ? Otherwise : [T] extends [undefined] ? Otherwise : T;
type Json<R> = R extends { content: { 'application/json': infer B } } ? B : undefined;
type Part<O extends OperationShape, K extends 'query' | 'header' | 'path'> = Present<NonNullable<O['parameters'][K]>>;

/** Node hands request headers over lower-cased, whatever case the contract names them in. */
type LowerCased<H> = H extends object ? { [K in keyof H as K extends string ? Lowercase<K> : K]: H[K] } : H;

type Success = 200 | 201 | 202 | 203 | 204 | 205 | 206;
/** The 2xx statuses the operation documents. */
export type SuccessStatus<O extends OperationShape> = Extract<keyof O['responses'], Success>;
/** The error statuses the operation documents: what a handler of it may fail with. */
export type ErrorStatus<O extends OperationShape> = Exclude<Extract<keyof O['responses'], number>, Success>;

type Response<O extends OperationShape, S extends keyof O['responses']> = O['responses'][S];
/** The documented headers of one answer, without the generator's catch-all. */
export type ResponseHeaders<O extends OperationShape, S extends keyof O['responses']> =
  Response<O, S> extends { headers: infer H } ? { [K in keyof H as string extends K ? never : K]?: H[K] } : Record<never, never>;

/** Each documented 2xx and its body: what the typed reply's `code()` accepts, and what follows it. */
export type SuccessReplies<O extends OperationShape> = { [S in SuccessStatus<O>]: Json<Response<O, S>> };
/** What a handler resolves to: the body of one of the documented 2xx answers (undefined for none). */
export type Answer<O extends OperationShape> = SuccessReplies<O>[SuccessStatus<O>];

/** Fastify's route generics for the operation: a `reply.code()` of a status it does not document is a type error. */
export interface OperationRoute<O extends OperationShape> {
  Body: Json<O['requestBody']>;
  Params: Part<O, 'path'>;
  Querystring: Present<Part<O, 'query'>, unknown>;
  Headers: Present<LowerCased<Part<O, 'header'>>, unknown>;
  Reply: SuccessReplies<O>;
}

export type OperationRequest<O extends OperationShape> = FastifyRequest<OperationRoute<O>>;
export type OperationReply<O extends OperationShape> = FastifyReply<OperationRoute<O>>;

/** The handler of one operation. */
export type Handler<O extends OperationShape> = (request: OperationRequest<O>, reply: OperationReply<O>) => Promise<Answer<O>>;

/** One handler per operation of `Ops`. */
export type HandlersOf<Ops> = { [Op in keyof Ops]: Ops[Op] extends OperationShape ? Handler<Ops[Op]> : never };

/** One method per operationId; a missing or mistyped one is a compile error, not a runtime 500. */
export type Handlers = HandlersOf<operations>;

export type OperationId = keyof operations;

/**
 * The error a handler of `operation` throws to answer `status`, which the contract must document
 * for it: a status it does not (a 403 where only 401 is written, say) is a type error, not an
 * answer no client expects.
 */
export function fail<Op extends OperationId>(
  _operation: Op,
  status: ErrorStatus<operations[Op]>,
  detail?: string,
  headers?: Record<string, string>,
): HttpError {
  return new HttpError(status, detail, headers);
}

/** Sets the documented headers of an answer, typed from the contract, and its status. */
export function answerWith<O extends OperationShape, S extends SuccessStatus<O>>(
  reply: OperationReply<O>,
  status: S,
  headers: ResponseHeaders<O, S>,
): OperationReply<O> {
  return (reply as FastifyReply).code(status as number).headers(headers as Record<string, string>) as OperationReply<O>;
}
