// Accounts: one name, one account, however it is spelled. A name taken in any letter case, width
// or normal form is taken; a name that looks like a taken one is taken; names with invisible or
// compatibility characters, or that break the Bidi Rule, are refused.

import type { Context } from '../../context.js';
import { randomName } from '../../context.js';
import type { Contract } from '../../contract.js';
import { expectError, expectField, expectOk, expectUser, statusName } from '../../expect.js';
import { getMe, login, register, type Session, type User } from '../../requests.js';
import type { Check } from '../../runner.js';

/** Swaps the letter case of every character: `Ærø-ab12` → `æRØ-AB12`. */
function swapCase(name: string): string {
  return [...name].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

/** The fullwidth form of every ASCII letter and digit: `Ab1-c` → `Ａｂ１-ｃ` (RFC 8265 maps it back). */
function fullwidth(name: string): string {
  return name.replace(/[A-Za-z0-9]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0));
}

/** Latin letters with a Cyrillic twin (UTS #39 confusables), swapped for it: `Cface` → `Сfасе`. */
const CYRILLIC_TWINS: Readonly<Record<string, string>> = { a: 'а', c: 'с', e: 'е', o: 'о', p: 'р', x: 'х', y: 'у', C: 'С', E: 'Е' };

function cyrillicLookAlike(name: string): string {
  return [...name].map((c) => CYRILLIC_TWINS[c] ?? c).join('');
}

/** A register of `name` with a password of its own: what a name already taken (in some spelling) gets. */
function registerAgain(ctx: Context, name: string, label: string) {
  return register(ctx, { name, password: 'another-password' }, label);
}

/** Fails unless every name is refused at register with 400; each comes with what is wrong with it. */
async function expectRefusedNames(ctx: Context, names: readonly (readonly [string, string])[]) {
  for (const [name, what] of names) expectError(await registerAgain(ctx, name, `register ${what}`), 400, ctx.contract);
}

/** Fails unless `variant` logs in as the account and /api/me shows the name as registered. */
async function expectLoginAs(ctx: Context, account: { name: string; password: string; session: Session }, variant: string, label: string) {
  const ex = await login(ctx, { name: variant, password: account.password }, label);
  const session = expectOk<Session>(ex);
  expectUser(ex, 'userid', session.userid, account.session.userid);
  return session;
}

export function nameChecks(contract: Contract): Check[] {
  return [
    {
      id: 'accounts.duplicate-name',
      rules: ['ACCOUNT-4'],
      title: `registering a name that is taken answers ${statusName(contract, 409)}`,
      async run(ctx) {
        const account = await ctx.account('main');
        expectError(await registerAgain(ctx, account.name, `register "${account.name}" again`), 409, contract);
      },
    },
    {
      id: 'accounts.case-variant-name',
      rules: ['ACCOUNT-4'],
      title: `a name differing only in letter case (Unicode too) is taken: ${statusName(contract, 409)}`,
      async run(ctx) {
        const account = await ctx.account('unicode', 'Ærø');
        const variant = swapCase(account.name);
        expectError(await registerAgain(ctx, variant, `register "${variant}" after "${account.name}"`), 409, contract);
      },
    },
    {
      id: 'accounts.case-variant-login',
      rules: ['ACCOUNT-4'],
      title: 'login accepts the name in any letter case; /api/me keeps the name as registered',
      async run(ctx) {
        const account = await ctx.account('unicode', 'Ærø');
        const variant = swapCase(account.name);
        const session = await expectLoginAs(ctx, account, variant, `log in as "${variant}", registered as "${account.name}"`);
        const ex = await getMe(ctx, { header: session.token }, 'the user logged in by a case variant');
        expectField(ex, 'name', expectOk<User>(ex).name, account.name);
      },
    },
    {
      id: 'accounts.fullwidth-variant',
      rules: ['ACCOUNT-4'],
      title: `a name sent in fullwidth letters is the same name (RFC 8265 width mapping): ${statusName(contract, 409)}`,
      async run(ctx) {
        const account = await ctx.account('main');
        const variant = fullwidth(account.name);
        expectError(await registerAgain(ctx, variant, `register "${variant}" after "${account.name}"`), 409, contract);
      },
    },
    {
      id: 'accounts.decomposed-name',
      rules: ['ACCOUNT-3', 'ACCOUNT-4'],
      title: `a name sent decomposed (NFD) is the registered one: register answers ${statusName(contract, 409)}, login the same user`,
      async run(ctx) {
        const account = await ctx.account('accented', 'José');
        const decomposed = account.name.normalize('NFD');
        expectError(await registerAgain(ctx, decomposed, `register "${account.name}" again, decomposed (NFD)`), 409, contract);
        await expectLoginAs(ctx, account, decomposed, `log in as "${account.name}" sent decomposed (NFD)`);
      },
    },
    {
      id: 'accounts.combining-marks',
      rules: ['ACCOUNT-1', 'ACCOUNT-3'],
      title: 'a name with combining marks (Hindi अनिल) registers, logs in and is kept as sent',
      async run(ctx) {
        const account = await ctx.account('marks', 'अनिल');
        const session = await ctx.login(account, `log in as "${account.name}"`);
        const ex = await getMe(ctx, { header: session.token }, `the user "${account.name}"`);
        expectField(ex, 'name', expectOk<User>(ex).name, account.name);
      },
    },
    {
      id: 'accounts.confusable-name',
      rules: ['ACCOUNT-8'],
      title: `a name that looks like a taken one (Cyrillic letters for Latin) is taken: ${statusName(contract, 409)}`,
      async run(ctx) {
        const account = await ctx.account('main');
        const variant = cyrillicLookAlike(account.name);
        const ex = await registerAgain(ctx, variant, `register "${variant}" (Cyrillic look-alike) after "${account.name}"`);
        expectError(ex, 409, contract);
      },
    },
    {
      id: 'accounts.invisible-name',
      rules: ['ACCOUNT-10'],
      title: `a name with an invisible letter (U+3164 HANGUL FILLER), or only one, answers ${statusName(contract, 400)}`,
      async run(ctx) {
        const account = await ctx.account('main');
        await expectRefusedNames(ctx, [
          [`${account.name.slice(0, 31)}\u3164`, `"${account.name}" with U+3164 HANGUL FILLER after it`],
          ['\u3164', 'U+3164 HANGUL FILLER alone'],
        ]);
      },
    },
    {
      id: 'accounts.case-confusable-name',
      rules: ['ACCOUNT-8'],
      title: `a name that looks like a taken one in another letter case (a capital I for l) is taken, whichever came first: ${statusName(contract, 409)}`,
      async run(ctx) {
        const lower = await ctx.account('case-lower', 'clara');
        const capitalI = lower.name.replace('l', 'I');
        expectError(await registerAgain(ctx, capitalI, `register "${capitalI}" (a capital I for l) after "${lower.name}"`), 409, contract);
        const upper = await ctx.account('case-upper', 'paypaI');
        const small = upper.name.replace('I', 'l');
        expectError(await registerAgain(ctx, small, `register "${small}" after "${upper.name}" (a capital I for l)`), 409, contract);
      },
    },
    {
      id: 'accounts.bidi-name',
      rules: ['ACCOUNT-10'],
      title: `a name that breaks the Bidi Rule (RFC 5893) answers ${statusName(contract, 400)}`,
      async run(ctx) {
        await expectRefusedNames(
          ctx,
          (
            [
              ['abc\u05e9\u05dc\u05d5\u05dd', 'left-to-right letters, then right-to-left ones'],
              ['\u05e9\u05dc\u05d5\u05ddabc', 'right-to-left letters, then left-to-right ones'],
              ['1\u05e9\u05dc\u05d5\u05dd', 'a right-to-left name that begins with a digit'],
            ] as const
          ).map(([name, what]) => [name, `"${name}" (${what})`] as const),
        );
      },
    },
    {
      id: 'accounts.compatibility-name',
      rules: ['ACCOUNT-10'],
      title: `a name with a compatibility character (one NFKC changes: ℌ, ﬁ, ①) answers ${statusName(contract, 400)}`,
      async run(ctx) {
        await expectRefusedNames(
          ctx,
          (
            [
              ['\u210celga', 'U+210C BLACK-LETTER CAPITAL H'],
              ['\ufb01sh', 'U+FB01 LATIN SMALL LIGATURE FI'],
              ['\u2460', 'U+2460 CIRCLED DIGIT ONE'],
            ] as const
          ).map(([prefix, what]) => {
            const name = randomName(prefix);
            return [name, `"${name}" (${what})`] as const;
          }),
        );
      },
    },
  ];
}
