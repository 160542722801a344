// The expired-session sweep as the server wires it (openDatabase's settings, sessionsRepository,
// startSweeper with its own batch size), with every batch timed. The sweeper yields to the event
// loop between batches, so the longest batch is the longest a server's requests wait on a sweep;
// monitorEventLoopDelay watches the same from outside the batches, as a cross-check.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openDatabase } from '../server/db/sqlite/open.js';
import { sessionsRepository } from '../server/domains/sessions/sqlite/sessions.js';
import { startSweeper } from '../server/platform/sweeper.js';
import { median } from './stats.js';

export interface SweepTiming {
  rows: number;
  batches: number;
  ms: number;
  /** The longest batch, the median one, and the last (the one that found less than a batch's worth), in ms. */
  maxBatchMs: number;
  medianBatchMs: number;
  lastBatchMs: number;
  /** The longest the event loop was blocked, by monitorEventLoopDelay (1 ms resolution). */
  loopMaxMs: number;
}

async function timedSweep(repo: ReturnType<typeof sessionsRepository>): Promise<SweepTiming> {
  const batches: number[] = [];
  const timed = {
    deleteExpired(now: number, limit: number) {
      const started = performance.now();
      try {
        return Promise.resolve(repo.deleteExpired(now, limit));
      } finally {
        batches.push(performance.now() - started);
      }
    },
  };
  // An interval far beyond the run: only the sweep asked for here happens.
  const sweeper = startSweeper(timed, Date.now, 2 ** 30, (error) => {
    throw error;
  });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const started = performance.now();
  const rows = await sweeper.sweep();
  const ms = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 5));
  loop.disable();
  await sweeper.stop();
  return {
    rows,
    batches: batches.length,
    ms,
    maxBatchMs: Math.max(...batches),
    medianBatchMs: median(batches),
    lastBatchMs: batches.at(-1)!,
    loopMaxMs: loop.max / 1e6,
  };
}

/** Sweeps the backlog, then sweeps again with nothing left, as every later sweep of the server would. */
export async function sweepTiming(path: string): Promise<{ backlog: SweepTiming; idle: SweepTiming }> {
  const db = openDatabase(path);
  try {
    const repo = sessionsRepository(db);
    return { backlog: await timedSweep(repo), idle: await timedSweep(repo) };
  } finally {
    db.close();
  }
}
