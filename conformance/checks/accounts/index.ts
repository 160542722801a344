// Accounts (the contract's User operations register and login, and § Accounts): each topic's
// checks in a file of their own, in the order they run.
import type { Contract } from '../../contract.js';
import type { Check } from '../../runner.js';
import { lockoutChecks } from './lockout.js';
import { nameChecks } from './names.js';
import { passwordChecks } from './passwords.js';
import { signInChecks } from './sign-in.js';
import { signUpChecks } from './sign-up.js';

export function accountChecks(contract: Contract): Check[] {
  return [...signUpChecks(), ...nameChecks(contract), ...signInChecks(contract), ...passwordChecks(contract), ...lockoutChecks(contract)];
}
