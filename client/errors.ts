// The two ways a typed call can fail, kept apart so an app can tell "the API said no" from
// "the API could not be reached".
import { ERROR_MESSAGES } from '@azuma/contract/generated/contract-facts';
import type { components } from '@azuma/contract/generated/openapi';

/** The contract's error body: `{ code, message, detail? }`. */
export type ErrorBody = components['schemas']['Error'];

/**
 * The contract's error constants, plus one for answers that do not follow the contract at all
 * (a proxy's HTML 502, an empty 2xx): those still surface as an AzumaError, never as a crash.
 */
export type AzumaErrorMessage = ErrorBody['message'] | 'UNEXPECTED_RESPONSE';

// The constants the contract pins, generated from it alongside the types.
const CONTRACT_MESSAGES: ReadonlySet<string> = new Set(Object.values(ERROR_MESSAGES));

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null) return false;
  const { code, message, detail } = body as Record<string, unknown>;
  return (
    typeof code === 'number' &&
    typeof message === 'string' &&
    CONTRACT_MESSAGES.has(message) &&
    (detail === undefined || typeof detail === 'string')
  );
}

/** The API answered, and the answer was not a success. */
export class AzumaError extends Error {
  override readonly name = 'AzumaError';
  /** The HTTP status of the response. */
  readonly status: number;
  /** `code` of the error body; equals `status` for every answer of the contract. */
  readonly code: number;
  /** The contract's constant for the status; safe to `switch` on. */
  declare readonly message: AzumaErrorMessage;
  /** Human-readable text; for 400, which field broke which rule. */
  readonly detail: string | undefined;
  /** The raw response, for headers such as `Retry-After`. Its body has been read. */
  readonly response: Response;

  constructor(response: Response, body: unknown) {
    const known = isErrorBody(body);
    super(known ? body.message : 'UNEXPECTED_RESPONSE');
    this.status = response.status;
    this.code = known ? body.code : response.status;
    this.detail = known ? body.detail : unexpectedDetail(body);
    this.response = response;
  }
}

function unexpectedDetail(body: unknown): string | undefined {
  if (body === undefined || body === '') return undefined;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The request never got an answer: DNS, refused connection, reset socket, CORS in a browser. */
export class AzumaNetworkError extends Error {
  override readonly name = 'AzumaNetworkError';

  constructor(cause: unknown) {
    super(`Azuma could not be reached: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
