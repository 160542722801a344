// Plain-fetch HTTP for the suite: black-box, cookies handled by hand, and every response checked
// against the contract as it arrives, so no check can forget to.
import type { Contract, Operation } from './contract.js';
import { clip, setCookiesCame } from './messages.js';

export interface Credentials {
  /** Token sent in the session cookie. */
  cookie?: string;
  /** Token sent in the session request header. */
  header?: string;
}

export interface RequestSpec {
  method: string;
  path: string;
  /** What the request is, in a few words, for failure messages. */
  label: string;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent verbatim, with `contentType`. */
  body?: string;
  contentType?: string;
  auth?: Credentials;
  /** More request headers, sent as given. */
  headers?: Record<string, string>;
}

export interface Exchange {
  label: string;
  method: string;
  path: string;
  operation: Operation | undefined;
  status: number;
  headers: Headers;
  /** Every `Set-Cookie` value, unjoined. */
  setCookies: string[];
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  /** Where the response breaks the contract (empty when it conforms). */
  violations: string[];
  /** From sending the request to the end of the answer's body, in ms: what timing checks compare. */
  elapsedMs: number;
  /** The suite's clock when the answer had arrived, in ms since the epoch. */
  receivedAt: number;
}

/** Thrown by checks: the message is the reason printed next to the failed check. */
export class CheckFailed extends Error {}

/** The names the contract gives the two credentials. */
export interface SessionChannels {
  cookie: string;
  header: string;
}

/** The value a `Set-Cookie` line gives `name`, if it sets that cookie. */
export function cookieValue(setCookie: string, name: string): string | undefined {
  const [pair] = setCookie.split(';');
  const eq = pair?.indexOf('=') ?? -1;
  if (!pair || eq < 0 || pair.slice(0, eq).trim() !== name) return undefined;
  return pair.slice(eq + 1).trim();
}

export class Http {
  /** Every exchange of the run, in order: the end-of-run checks read it. */
  readonly exchanges: Exchange[] = [];
  readonly channels: SessionChannels;

  constructor(
    /** Without a trailing slash; request paths start with one. */
    readonly baseUrl: string,
    private readonly contract: Contract,
    private readonly timeoutMs: number,
  ) {
    this.channels = { cookie: contract.index.session.cookie, header: contract.index.session.header };
  }

  async send(spec: RequestSpec): Promise<Exchange> {
    const headers: Record<string, string> = { ...spec.headers };
    let body: string | undefined;
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    } else if (spec.body !== undefined) {
      body = spec.body;
      if (spec.contentType) headers['content-type'] = spec.contentType;
    }
    if (spec.auth?.cookie !== undefined) headers.cookie = `${this.channels.cookie}=${spec.auth.cookie}`;
    if (spec.auth?.header !== undefined) headers[this.channels.header] = spec.auth.header;

    let response: Response;
    let text: string;
    const started = performance.now();
    try {
      response = await fetch(`${this.baseUrl}${spec.path}`, {
        method: spec.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new CheckFailed(`${spec.method} ${spec.path} (${spec.label}): no answer: ${cause}`);
    }
    const elapsedMs = performance.now() - started;
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const operation = this.contract.operationFor(spec.method, spec.path);
    const ex: Exchange = {
      label: `${spec.method} ${spec.path} (${spec.label})`,
      method: spec.method,
      path: spec.path,
      operation,
      status: response.status,
      headers: response.headers,
      setCookies: response.headers.getSetCookie(),
      text,
      json,
      violations: [],
      elapsedMs,
      receivedAt: Date.now(),
    };
    ex.violations = this.violations(ex);
    this.exchanges.push(ex);
    return ex;
  }

  /** Where a response breaks the contract: status, body schema, documented headers, error shape. */
  private violations(ex: Exchange): string[] {
    const out: string[] = [];
    const { contract } = this;
    const documented = ex.operation?.responses.get(ex.status);
    if (ex.operation && !documented) {
      const known = [...ex.operation.responses.keys()].join(', ');
      out.push(`status ${ex.status} is not documented for ${ex.operation.id} (documented: ${known})`);
    }
    // A documented body schema, or for any error outside the documented operations the Error schema.
    const bodyValidator = documented ? documented.body : ex.status >= 400 ? contract.schema('Error') : undefined;
    if (bodyValidator) {
      const type = ex.headers.get('content-type') ?? '';
      if (!/^application\/json\b/i.test(type)) out.push(`content-type is '${type}', expected application/json`);
      if (ex.json === undefined) out.push(`body is not JSON: ${JSON.stringify(ex.text.slice(0, 100))}`);
      else if (!bodyValidator(ex.json)) out.push(`body ${clip(ex.text)} breaks the contract: ${contract.describeErrors(bodyValidator)}`);
    }
    for (const header of documented?.headers ?? []) {
      const values = this.headerValues(ex, header.name);
      if (values.length === 0 && header.required) out.push(this.missing(ex, header.name));
      for (const value of values) {
        const data = header.numeric && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
        if (!header.validate(data)) {
          out.push(
            `header ${header.name}: ${JSON.stringify(value)} breaks the contract: ${contract.describeErrors(header.validate, header.name)}`,
          );
        }
      }
    }
    // The error table of the contract: `code` repeats the status, `message` is that status's constant.
    if (ex.status >= 400 && isRecord(ex.json)) {
      if ('code' in ex.json && ex.json.code !== ex.status)
        out.push(`error code ${String(ex.json.code)} differs from the status ${ex.status}`);
      const expected = contract.index.errors.get(ex.status);
      if (expected && 'message' in ex.json && ex.json.message !== expected) {
        out.push(`error message ${JSON.stringify(ex.json.message)} should be ${expected} for status ${ex.status}`);
      }
    }
    return out;
  }

  /** Why a required header counts as missing, with what came instead: a Set-Cookie that sets another cookie is not the one documented. */
  private missing(ex: Exchange, name: string): string {
    if (name.toLowerCase() !== 'set-cookie') return `required header ${name} is missing`;
    return `no Set-Cookie sets ${this.channels.cookie} (${setCookiesCame(ex)})`;
  }

  private headerValues(ex: Exchange, name: string): string[] {
    if (name.toLowerCase() === 'set-cookie') {
      // Set-Cookie schemas describe the session cookie; other cookies a server sets are its own business.
      return ex.setCookies.filter((line) => cookieValue(line, this.channels.cookie) !== undefined);
    }
    const value = ex.headers.get(name);
    return value === null ? [] : [value];
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
