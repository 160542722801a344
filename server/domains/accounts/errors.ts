// The accounts' errors, each saying its own answer (see server/http/http-error.ts).
import { HttpError } from '../../http/http-error.js';

/** A new password the screening refuses: answered 400 with the message as its detail. */
export class CommonPasswordError extends HttpError {
  override name = 'CommonPasswordError';
  constructor(detail: string) {
    super(400, detail);
  }
}

/** The account is locked for this client: answered 429 with Retry-After. */
export class LoginLockedError extends HttpError {
  override name = 'LoginLockedError';
  constructor(readonly retryAfterSeconds: number) {
    super(
      429,
      `too many failed sign-ins to this name; retry in ${retryAfterSeconds} seconds`,
      { 'Retry-After': String(retryAfterSeconds) },
      { message: `sign-in locked for ${retryAfterSeconds} s` },
    );
  }
}

/** No hash can start soon enough: answered 503, to retry in a second. */
export class HashingBusyError extends HttpError {
  override name = 'HashingBusyError';
  constructor(message: string) {
    super(503, 'the server is busy hashing passwords; retry in 1 second', { 'Retry-After': '1' }, { message });
  }
}
