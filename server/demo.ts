// `azuma-server --demo`: the reference server as a sandbox to try the API and run the contract's
// samples against. The database is in memory, so nothing outlives the process; scrypt runs far
// below the OWASP cost, which makes start-up and logins quick and is harmless for accounts that die
// with the process; and the accounts the contract's examples log in with already exist. Every
// other setting (address, CORS, the auth rate limit, ...) comes from the environment as usual.
import { type AccountCredentials, exampleAccounts, type LoadedContract, loadContract } from '@azuma/contract';
import type { AppOptions } from './app.js';
import type { ScryptParams } from './domains/accounts/passwords.js';

/** N = 2^10, p = 1: 80 times less work than the OWASP cost (N = 2^14, p = 5), and 1 MiB instead of 16. */
export const DEMO_SCRYPT: ScryptParams = Object.freeze({ ln: 10, r: 8, p: 1 });

/** What buildApp needs for a demo: the contract, cheap hashing, and the contract's example accounts. */
export function demoOptions(contract: LoadedContract = loadContract()): AppOptions & { accounts: AccountCredentials[] } {
  return { contract, scrypt: DEMO_SCRYPT, accounts: exampleAccounts(contract) };
}

/** The start-up line of a demo: unmistakably not a real server, and how to sign in to it. */
export function demoListenText(accounts: readonly AccountCredentials[]): (address: string) => string {
  const names = accounts.map(({ name, password }) => `${name} (password ${password})`).join(', ');
  return (address) =>
    `DEMO server, in memory: nothing is kept, password hashing is cheap; example accounts: ${names || 'none'}; listening at ${address}`;
}
