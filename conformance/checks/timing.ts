// Login timing: a wrong password and an unknown name must cost the server the same, or response
// times tell which names have accounts although both answer the same 401 (the contract's way: an
// unknown name is checked against a dummy hash of the same cost). An accounts check, in a file of
// its own outside checks/accounts/ because the bench and the tests use its measurement too.
//
// The statistic. The suite sends pairs of logins, one with a registered name and a wrong password,
// one with a random name never registered (the same password in both), one right after the other,
// the order alternating pair by pair; each pair gives the difference of the two times. When both
// cost the same, alternation makes every difference as likely positive as negative whatever the
// load does (a slow moment hits the first or the second request of a pair, and which kind goes
// first alternates), so a two-sided sign test on the differences needs no assumption about how
// times are distributed, and a burst of outliers counts as a few votes, not as a huge mean. The
// check fails only when both
//   - the sign test rejects "same cost" at p < 0.001 (with 20 pairs: 18 or more of one sign), and
//   - the median difference is at least 10 ms,
// the second so that a real but harmless gap (a database hit against a miss: microseconds) never
// fails a server, while skipping the hash shows far more: every password hash at the OWASP
// minimum parameters costs tens of milliseconds or more on current hardware.
import { type Account, type Context, randomName } from '../context.js';
import { expectError } from '../expect.js';
import { CheckFailed, type Exchange } from '../http.js';
import { login as logIn } from '../requests.js';
import { type Check, Skipped } from '../runner.js';

/** Pairs judged; the first WARM_UP_PAIRS before them are thrown away (connections, first hashes). */
const PAIRS = 20;
const WARM_UP_PAIRS = 2;
const ALPHA = 0.001;
const MIN_GAP_MS = 10;

export interface LoginTimes {
  wrongPasswordMs: number;
  unknownNameMs: number;
}

export interface TimingComparison {
  pairs: number;
  /** Pairs where the wrong password took longer, and where the unknown name did. */
  wrongPasswordSlower: number;
  unknownNameSlower: number;
  /** Median of (wrong password − unknown name) over the pairs. */
  medianGapMs: number;
  wrongPasswordMedianMs: number;
  unknownNameMedianMs: number;
  /** Two-sided sign test of "either is as likely to be slower". */
  pValue: number;
  /** Whether the check fails on it. */
  differs: boolean;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Two-sided exact sign test: the chance of a split at least this lopsided when each side had probability ½. */
export function signTest(a: number, b: number): number {
  const n = a + b;
  let tail = 0;
  // C(n, i) from i = n down to the larger side: C(n, i − 1) = C(n, i) · i / (n − i + 1).
  for (let i = n, c = 1; i >= Math.max(a, b); c = (c * i) / (n - i + 1), i--) tail += c;
  return Math.min(1, (2 * tail) / 2 ** n);
}

export function compareLoginTimes(samples: LoginTimes[]): TimingComparison {
  const gaps = samples.map((s) => s.wrongPasswordMs - s.unknownNameMs);
  const wrongPasswordSlower = gaps.filter((gap) => gap > 0).length;
  const unknownNameSlower = gaps.filter((gap) => gap < 0).length;
  const pValue = signTest(wrongPasswordSlower, unknownNameSlower);
  const medianGapMs = median(gaps);
  return {
    pairs: samples.length,
    wrongPasswordSlower,
    unknownNameSlower,
    medianGapMs,
    wrongPasswordMedianMs: median(samples.map((s) => s.wrongPasswordMs)),
    unknownNameMedianMs: median(samples.map((s) => s.unknownNameMs)),
    pValue,
    differs: pValue < ALPHA && Math.abs(medianGapMs) >= MIN_GAP_MS,
  };
}

function login(ctx: Context, name: string, password: string, label: string): Promise<Exchange> {
  return logIn(ctx, { name, password }, label);
}

/**
 * Accounts the wrong passwords go to in turn: each gets a few, under any sensible per-name lockout
 * (the reference server locks a name for a client after 10 failures).
 */
const TIMING_ACCOUNTS = 6;

/** Times the check's pairs of failing logins against `accounts` in turn (warm-up pairs left out), each answer a 401. */
export async function sampleLoginTimes(ctx: Context, accounts: Account[], pairs = PAIRS): Promise<LoginTimes[]> {
  const samples: LoginTimes[] = [];
  for (let i = 0; i < WARM_UP_PAIRS + pairs; i++) {
    const account = accounts[i % accounts.length]!;
    const password = `${account.password}-wrong-${i}`;
    const wrong = () => login(ctx, account.name, password, `a wrong password, timing pair ${i + 1}`);
    const unknown = () => login(ctx, randomName('nobody'), password, `a name never registered, timing pair ${i + 1}`);
    let w: Exchange;
    let u: Exchange;
    if (i % 2 === 0) {
      w = await wrong();
      u = await unknown();
    } else {
      u = await unknown();
      w = await wrong();
    }
    if (w.status === 429 || u.status === 429) {
      throw new Skipped(
        `${(w.status === 429 ? w : u).label} answered 429: the server locked a name after ${Math.ceil((i + 1) / accounts.length)} failures, before the timing pairs were done; run it with a per-name lockout of at least 10 (reference server: AZUMA_LOGIN_FAILURES_PER_CLIENT, default 10) and its rate limit off`,
      );
    }
    expectError(w, 401, ctx.contract);
    expectError(u, 401, ctx.contract);
    if (i >= WARM_UP_PAIRS) samples.push({ wrongPasswordMs: w.elapsedMs, unknownNameMs: u.elapsedMs });
  }
  return samples;
}

/** What the check measures, for the check itself and for measuring the check (bench/login-timing.ts). */
export async function measureLoginTiming(ctx: Context): Promise<TimingComparison> {
  const accounts = await Promise.all(Array.from({ length: TIMING_ACCOUNTS }, (_, i) => ctx.account(`timing-${i + 1}`)));
  return compareLoginTimes(await sampleLoginTimes(ctx, accounts));
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

export function timingChecks(): Check[] {
  return [
    {
      id: 'accounts.timing',
      rules: ['ACCOUNT-5'],
      title: `login with a wrong password and with a name never registered cost the same time (${PAIRS} interleaved pairs; fails when one is slower in so many pairs that a sign test gives p < ${ALPHA} and by a median of at least ${MIN_GAP_MS} ms)`,
      async run(ctx) {
        const t = await measureLoginTiming(ctx);
        if (!t.differs) return;
        const [slower, count] =
          t.medianGapMs > 0 ? ['the wrong password', t.wrongPasswordSlower] : ['the unknown name', t.unknownNameSlower];
        throw new CheckFailed(
          `over ${t.pairs} interleaved pairs of logins answered 401, a wrong password took a median ${ms(t.wrongPasswordMedianMs)} and a name never registered ${ms(t.unknownNameMedianMs)}; ${slower} was slower in ${count} of ${t.pairs} pairs (sign test p = ${t.pValue.toExponential(1)}), by a median ${ms(Math.abs(t.medianGapMs))}: response times tell which names have accounts (an unknown name must cost a full password check)`,
        );
      },
    },
  ];
}
