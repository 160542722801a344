// What every check gets: the contract, the HTTP client, the run's settings and the accounts the
// run made (created lazily, each once, with random names so runs never collide). Accounts are
// shared by label, never their sessions' state: a check that needs a live token logs in for one,
// so no check depends on what ran before it.
import { randomBytes } from 'node:crypto';
import type { Contract } from './contract.js';
import { expectSession } from './expect.js';
import type { Exchange, Http } from './http.js';
import { login, register, type Session } from './requests.js';
import { serverTime } from './session-tokens.js';

/** How many slow connections connections.per-address opens at most, unless told: well past a sane per-address cap. */
export const DEFAULT_SLOW_CONNECTIONS = 1500;

export interface Account {
  name: string;
  password: string;
  /** The session register answered. */
  session: Session;
  /** Server time when the session was issued (its `Date` header, else ours), in ms. */
  issuedAt: number;
  /** The register exchange itself, for checks on its headers. */
  registered: Exchange;
}

export interface Context {
  contract: Contract;
  http: Http;
  seed: number;
  runs: number;
  /** How many slow connections connections.per-address opens at most from one address. */
  slowConnections: number;
  /** A fresh account per label, registered on first use; `prefix` starts its random name. */
  account(label: string, prefix?: string): Promise<Account>;
  /** Every account the run registered, for the after-fuzzing login check. */
  accounts(): Promise<Account[]>;
  /** A new session for an account, by logging in. */
  login(account: Account, label: string): Promise<Session>;
}

/** A random name that fits the contract's UserName (letters, digits, `_`, `-`, `.`; ≤ 32). */
export function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`.slice(0, 32);
}

/** A random password no list of common ones holds. */
export function randomPassword(): string {
  return `pw-${randomBytes(12).toString('base64url')}`;
}

export function createContext(
  contract: Contract,
  http: Http,
  seed: number,
  runs: number,
  slowConnections = DEFAULT_SLOW_CONNECTIONS,
): Context {
  const registered = new Map<string, Promise<Account>>();

  const ctx: Context = {
    contract,
    http,
    seed,
    runs,
    slowConnections,
    account(label, prefix = `Cf${label.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`) {
      let account = registered.get(label);
      if (!account) {
        account = (async () => {
          const name = randomName(prefix);
          const password = randomPassword();
          const ex = await register(ctx, { name, password }, `register a fresh account "${name}"`);
          return { name, password, session: expectSession(ex), issuedAt: serverTime(ex), registered: ex };
        })();
        registered.set(label, account);
      }
      return account;
    },
    async accounts() {
      const settled = await Promise.allSettled(registered.values());
      return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    },
    async login(account, label) {
      return expectSession(await login(ctx, { name: account.name, password: account.password }, label));
    },
  };
  return ctx;
}
