const BATCH = 500;

/** Storage with rows that stop counting at some time: expired sessions, ended failure windows. */
export interface Expiring {
  /** Deletes at most `limit` expired rows (of each kind); returns how many went. */
  deleteExpired(now: number, limit: number): Promise<number>;
}

/**
 * Deletes expired rows in small batches, yielding to the event loop between them, so a large
 * backlog never stalls requests. Runs every `intervalMs` until stopped.
 */
export function startSweeper(repo: Expiring, now: () => number, intervalMs: number, failed: (error: unknown) => void) {
  let stopped = false;
  let running: Promise<number> | undefined;

  const sweepOnce = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const deleted = await repo.deleteExpired(now(), BATCH);
      total += deleted;
      if (deleted < BATCH || stopped) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const sweep = () => (running ??= sweepOnce().finally(() => (running = undefined)));
  // A sweep that fails (the database unreachable for a while) is tried again next interval.
  const timer = setInterval(() => sweep().catch(failed), intervalMs).unref();

  return {
    /** One full sweep now (or the one under way); resolves to the rows it deleted. */
    sweep,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
