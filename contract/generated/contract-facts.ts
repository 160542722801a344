// Generated from openapi.yaml by scripts/artifacts.ts through contract/client-facts.ts; never edit.

/** The contract's info.version. */
export const CONTRACT_VERSION = "1.3.1";

/** The cookie of the cookie security scheme. */
export const SESSION_COOKIE = "azuma_session";

/** The header of the header security scheme, request and response. */
export const SESSION_HEADER = "Azuma-Session";

/** `METHOD path` of the operations whose success issues a new session. */
export const ISSUING_OPERATIONS = [
  "POST /api/register",
  "POST /api/login",
  "PUT /api/me/password"
] as const;

/** Every error constant the contract pins, by status. */
export const ERROR_MESSAGES = {
  "400": "BAD_REQUEST",
  "401": "UNAUTHORIZED",
  "404": "NOT_FOUND",
  "409": "ALREADY_EXISTS",
  "413": "PAYLOAD_TOO_LARGE",
  "415": "UNSUPPORTED_MEDIA_TYPE",
  "429": "TOO_MANY_REQUESTS",
  "500": "INTERNAL_SERVER_ERROR",
  "503": "SERVICE_UNAVAILABLE"
} as const;
