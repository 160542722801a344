// How failure messages show what came: one wording for a status, a body, a token, a span of time,
// so every check's reason reads alike.
import type { Exchange } from './http.js';

/** The start of a body, for messages. */
export function clip(text: string, length = 200): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

/** The status and the start of the body, for messages. */
export function brief(ex: Exchange): string {
  const body = clip(ex.text);
  return `${ex.status}${body ? ` ${body}` : ''}`;
}

/** The Set-Cookie lines a response carried, for messages. */
export function setCookiesCame(ex: Exchange): string {
  return ex.setCookies.length === 0 ? 'none came' : `came: ${ex.setCookies.map((line) => JSON.stringify(line)).join(', ')}`;
}

/** The start of a token, for messages: enough to tell tokens apart, not enough to use one. */
export const short = (token: string | undefined) => (token ? `${token.slice(0, 8)}…` : String(token));

export const DAY_MS = 24 * 3600 * 1000;

/** A span of time for messages: days to two decimals from a day on, else whole seconds. */
export function span(ms: number): string {
  return Math.abs(ms) >= DAY_MS ? `${(ms / DAY_MS).toFixed(2)} days` : `${Math.round(ms / 1000)} s`;
}

/** A configured duration in words: `N days`, or seconds when not whole days. */
export function windowText(ms: number): string {
  return ms % DAY_MS === 0 ? `${ms / DAY_MS} days` : `${ms / 1000} seconds`;
}

/** The answer's `Date` as sent, for messages; the suite's clock when it sent none. */
export function dateText(ex: Exchange): string {
  const date = ex.headers.get('date');
  return date === null ? `no Date (it arrived at ${new Date(ex.receivedAt).toISOString()} by the suite's clock)` : `Date ${date}`;
}

const EXAMPLES = 3;

/** A few of the exchanges that broke a run-wide rule, out of how many were looked at. */
export function summarise(bad: Exchange[], total: number, describe: (ex: Exchange) => string): string {
  const shown = bad.slice(0, EXAMPLES).map(describe).join(' | ');
  return `${bad.length} of ${total} responses: ${shown}${bad.length > EXAMPLES ? ' | …' : ''}`;
}
