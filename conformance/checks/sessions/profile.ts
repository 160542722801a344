// Sessions (the contract's 1.1 section, hence the ids): the profile a user edits with PATCH /api/me.

import type { Contract } from '../../contract.js';
import { expectError, expectField, expectOk, statusName } from '../../expect.js';
import type { Exchange } from '../../http.js';
import { getMe, type User, updateMe } from '../../requests.js';
import type { Check } from '../../runner.js';

/** Fails unless the response is the user with exactly this icon and status. */
function expectProfile(ex: Exchange, expected: Pick<User, 'icon' | 'status'>): void {
  const user = expectOk<User>(ex);
  expectField(ex, 'icon', user.icon, expected.icon);
  expectField(ex, 'status', user.status, expected.status);
}

export function profileChecks(contract: Contract): Check[] {
  return [
    {
      id: 'sessions.profile',
      rules: ['ACCOUNT-7'],
      title:
        'PATCH /api/me sets status and icon and answers the user; GET /api/me shows them; null clears one field and the other keeps its value',
      async run(ctx) {
        const account = await ctx.account('profile');
        const { token } = await ctx.login(account, 'a session to edit the profile');
        const auth = { header: token };
        const status = 'Checking conformance';
        const icon = `https://example.org/icons/${encodeURIComponent(account.name)}.png`;
        expectProfile(await updateMe(ctx, token, { status, icon }, 'set status and icon'), { status, icon });
        expectProfile(await getMe(ctx, auth, 'the profile after setting it'), { status, icon });
        expectProfile(await updateMe(ctx, token, { icon: null }, 'clear the icon'), { status, icon: null });
        expectProfile(await getMe(ctx, auth, 'the profile after clearing the icon'), { status, icon: null });
        expectProfile(await updateMe(ctx, token, { status: null }, 'clear the status'), { status: null, icon: null });
      },
    },
    {
      id: 'sessions.profile-invalid',
      rules: ['ACCOUNT-7'],
      title: `PATCH /api/me answers ${statusName(contract, 400)} to an http:// icon, a status with a control character and an empty object, changing nothing`,
      async run(ctx) {
        const account = await ctx.account('profile');
        const { token } = await ctx.login(account, 'a session to send invalid profile updates');
        const before = expectOk<User>(await getMe(ctx, { header: token }, 'the profile before invalid updates'));
        const invalid: [Parameters<typeof updateMe>[2], string][] = [
          [{ icon: 'http://example.org/icon.png' }, 'an http:// icon'],
          [{ status: 'ring \u0007' }, 'a status with a control character'],
          [{}, 'an empty object'],
        ];
        for (const [body, why] of invalid) expectError(await updateMe(ctx, token, body, why), 400, contract);
        expectProfile(await getMe(ctx, { header: token }, 'the profile after invalid updates'), before);
      },
    },
  ];
}
