// One hashing thread. It asks the OS for the lowest CPU priority (nice 19; on Linux the nice value
// belongs to the thread, not the process): while hashes saturate the cores, the event loop that
// answers every other request is scheduled first, and a hash takes the CPU time left over.
// It is started from a copy in memory (preloadThread, threads.ts): it imports Node's modules and types only.
import { scryptSync } from 'node:crypto';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { HashJob, HashReply } from './hash-pool.js';

// Elsewhere (macOS, Windows) the call would lower the whole process, event loop included.
if (process.platform === 'linux') {
  try {
    setPriority(19);
  } catch {
    // A sandbox that forbids it only costs the priority, never the hash.
  }
}

const port = parentPort!;
port.on('message', ({ password, salt, keyLength, options }: HashJob) => {
  let reply: HashReply;
  try {
    reply = { key: new Uint8Array(scryptSync(password, salt, keyLength, options)) };
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
