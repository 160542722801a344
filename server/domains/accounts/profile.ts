// What the contract's icon rule says beyond its schema's pattern: RFC 9110 gives every https URI
// a host (4.2.2) and forbids credentials in it (4.2.4), and an icon is shown to other users, so a
// `user:password@` in one would publish a secret.
import { fail } from '../../handlers.js';

/** The authority of an `https://` URL: up to the first `/`, `?` or `#`. */
const AUTHORITY = /^https:\/\/([^/?#]*)/;
/** A host (a name, or an IPv6 address in brackets) and an optional port, with no user part. */
const HOST_AND_PORT = /^([^@:[\]]+|\[[0-9A-Fa-f:.]+\])(:[0-9]*)?$/;

/** Throws the 400 for an icon the schema's pattern lets through but the rule refuses. */
export function checkIcon(icon: string | null | undefined): void {
  if (typeof icon !== 'string') return;
  const authority = AUTHORITY.exec(icon)?.[1] ?? '';
  if (authority.includes('@')) throw fail('updateMe', 400, 'body/icon must not carry credentials (user:password@)');
  if (!HOST_AND_PORT.test(authority)) throw fail('updateMe', 400, 'body/icon must name a host after https://');
}
