import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';
import { clientKey } from './client-address.js';

export interface ConnectionCaps {
  /** AZUMA_MAX_CONNECTIONS: open connections at once, from everywhere. */
  maxConnections: number;
  /** AZUMA_MAX_CONNECTIONS_PER_IP: open connections at once from one address (IPv6: one /64). */
  maxConnectionsPerIp: number;
  /** AZUMA_TRUST_PROXY: a trusted proxy speaks for many clients, so its connections count only towards the global cap. */
  trustProxy: boolean | string;
}

/**
 * Caps the connections a server holds, in all and per peer address. Past either cap a new
 * connection is closed at once, before a byte of it is parsed: a socket that is held open and fed
 * a header byte now and then costs the server a descriptor for as long as the timeouts allow, so
 * one address holding the whole global cap would leave every other client unanswered. The peer is
 * the socket's own address (X-Forwarded-For is not read yet, and a client could write any), counted
 * as the rate limits count it (client-address.ts): IPv6 by /64, which one subscriber usually holds.
 */
export function capConnections(server: Server, caps: ConnectionCaps): void {
  // Node closes connections past this itself, before they reach the 'connection' listeners.
  server.maxConnections = caps.maxConnections;
  const trusted =
    caps.trustProxy === true
      ? () => true
      : caps.trustProxy === false
        ? () => false
        : proxyAddr.compile(caps.trustProxy.split(',').map((entry) => entry.trim()));
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || trusted(address, 0)) return;
    const key = clientKey(address);
    const count = open.get(key) ?? 0;
    if (count >= caps.maxConnectionsPerIp) {
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
}

/**
 * AZUMA_IDLE_TIMEOUT closes a socket that sends nothing for that long, and Node counts the wait for
 * an answer as such silence: a request waiting its turn to hash (or on a slow database) would lose
 * its connection with no answer at all. A client whose request has fully arrived is not idle, it
 * waits for us: its socket is spared until the answer is written, which restarts the count. Every
 * other silent socket is closed, as Node would (a request still arriving, or none at all). The
 * check runs only when a socket's timer fires, so it costs answered requests nothing.
 */
export function spareAnsweringSockets(server: Server): void {
  // Listening at all takes over Node's own reaction, which is to close the socket.
  server.on('timeout', (socket: Socket) => {
    // The response a socket is writing: node:http's own link (set since its first release), as no
    // public property leads from a socket to its request.
    const response = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (response && !response.writableEnded && response.req.complete) return;
    socket.destroy();
  });
}

/** Descriptors a server needs beyond its connections: the database, its threads, logs, the runtime's own. */
const SPARE_DESCRIPTORS = 256;

/**
 * The open-file limit the process runs with, if the platform says (Linux's /proc). Node raises its
 * soft limit to the hard one at start, so this is the hard limit the operator's service manager or
 * container set.
 */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((row) => row.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** Why the open-file limit cannot carry the connection cap, if it cannot. */
export function descriptorShortfall(maxConnections: number, limit = openFileLimit()): string | undefined {
  if (limit === undefined || limit >= maxConnections + SPARE_DESCRIPTORS) return undefined;
  return `the open-file limit (${limit}) is below AZUMA_MAX_CONNECTIONS (${maxConnections}) plus ${SPARE_DESCRIPTORS} for the database and the runtime: past it, connections and database files fail with EMFILE; raise the limit (systemd LimitNOFILE=, docker --ulimit nofile=) or lower AZUMA_MAX_CONNECTIONS`;
}
