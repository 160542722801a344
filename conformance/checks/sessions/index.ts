// Sessions (the contract's Sessions operations, and the session rules of § Sessions: password
// change, profile, lifetime): each topic's checks in a file of their own, in the order they run.
// Every topic works on accounts of its own, so ending sessions never touches what other checks use.
import type { Contract } from '../../contract.js';
import type { Check } from '../../runner.js';
import { endChecks } from './end.js';
import { lifetimeChecks } from './lifetime.js';
import { listChecks } from './list.js';
import { logoutChecks } from './logout.js';
import { passwordChecks } from './password.js';
import { profileChecks } from './profile.js';

export function sessionChecks(contract: Contract): Check[] {
  return [
    ...logoutChecks(contract),
    ...listChecks(contract),
    ...endChecks(contract),
    ...passwordChecks(contract),
    ...profileChecks(contract),
    ...lifetimeChecks(contract),
  ];
}
