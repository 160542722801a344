// What the benchmark reads about a server from /proc (Linux): memory and CPU time of the real
// node process (spawnServer runs node itself, with tsx as a loader).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Resident set now and its high-water mark since start, in MiB. */
export function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

/** CPU time (user + system, all threads) used so far, in ms. */
export function cpuMs(pid: number): number {
  // The command name in field 2 may hold spaces; count fields from the closing parenthesis.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/**
 * The peak resident set of a process over a stretch of time, in MiB. Linux resets the high-water
 * mark on request (clear_refs 5), which catches even the briefest peak, such as a 16 MiB scrypt
 * buffer; where that is not permitted, sampling every `intervalMs` stands in.
 */
export function peakRss(pid: number, intervalMs = 100) {
  let reset = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    reset = false;
  }
  let peak = memory(pid).rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, memory(pid).rss);
  }, intervalMs);
  return {
    stop(): number {
      clearInterval(timer);
      const now = memory(pid);
      return Math.max(peak, now.rss, reset ? now.hwm : 0);
    },
  };
}

/**
 * Waits until every process is idle (under a tenth of a core for 300 ms), or the timeout passes.
 * A run leaves work behind (a login storm's queued hashes go on after its clients hang up), which
 * must not bill the next.
 */
export async function waitIdle(pids: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    pids.map(async (pid) => {
      for (let last = cpuMs(pid); Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const now = cpuMs(pid);
        if (now - last < 30) return;
        last = now;
      }
    }),
  );
}

/**
 * Runs every thread of `pid` (its later threads too: they inherit it) on the given CPUs, such as
 * `'1'` or `'0-1'` (taskset, util-linux). False where that is not possible.
 */
export function pin(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The machine a run was measured on; a load average above the CPU count means others shared it: expect noise. */
export function machine(loadavgStart: number[]) {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadavgStart,
    loadavgEnd: loadavg(),
  };
}
