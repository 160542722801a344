// One client address must not be able to take every connection a server has (RATE-4). The check
// needs two client addresses of its own, which only loopback gives a suite on one machine: it
// holds slow connections from one loopback address, each a request that never ends (a header byte
// now and then, as a slowloris does), and asks from another whether the server still answers.
// Both are other than the default source address the rest of the run speaks from (127.0.0.1), so
// whatever the server counts per address for those checks is left alone; and every socket is
// released before the check ends. Cross-cutting: it is about the server's sockets, not any domain.
import { lookup } from 'node:dns/promises';
import { request } from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import { CheckFailed } from '../http.js';
import { type Check, Skipped } from '../runner.js';

/** Where the slow connections come from, and where the answers are asked from. */
export const HOLDER = '127.0.0.3';
export const PROBER = '127.0.0.2';

/** Requests from the prober, each of which must be answered. */
const PROBES = 8;
/** Connections opened at once before looking whether the server still takes them. */
const BATCH = 50;
/** Lets the server's closing of a batch it refused arrive before the next batch is opened. */
const SETTLE_MS = 25;
/** A connection the kernel has not completed by then counts as one the server does not take. */
const CONNECT_WAIT_MS = 5_000;
/** How often each slow connection sends one more header byte. */
const TRICKLE_MS = 2_000;
/** How long the prober waits for each answer. */
const PROBE_WAIT_MS = 10_000;

const HOW_TO_RUN = 'run the suite on the server’s machine against 127.0.0.1';

/** Failures of our own side (an address this machine lacks, too few descriptors), not the server's. */
const LOCAL_ERRORS = new Set(['EADDRNOTAVAIL', 'EADDRINUSE', 'EMFILE', 'ENFILE', 'ENOBUFS']);

interface Target {
  /** The IPv4 loopback address the server is reached at. */
  address: string;
  port: number;
  /** The Host header the rest of the run sends. */
  host: string;
  /** The base URL's path, without a trailing slash. */
  prefix: string;
}

/** The server as an IPv4 loopback address, or the reason the check cannot run against it. */
async function loopbackTarget(baseUrl: string): Promise<Target> {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:') throw new Skipped(`the check holds plain HTTP connections and ${baseUrl} is not http: ${HOW_TO_RUN}`);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  let address: string | undefined = isIP(hostname) === 4 ? hostname : undefined;
  if (hostname.toLowerCase() === 'localhost') {
    address = (await lookup(hostname, { all: true }).catch(() => [])).find((entry) => entry.family === 4)?.address;
  }
  if (address === undefined && (hostname === '::1' || hostname.toLowerCase() === 'localhost')) {
    throw new Skipped(
      `the server is at ${hostname}, the only IPv6 loopback address, so the suite has no second address to speak from: ${HOW_TO_RUN}`,
    );
  }
  if (address === undefined || !address.startsWith('127.')) {
    throw new Skipped(
      `the server is at ${hostname}, not a loopback address, so the suite speaks to it from one address only: ${HOW_TO_RUN}`,
    );
  }
  const port = Number(url.port || 80);
  return { address, port, host: url.host, prefix: url.pathname.replace(/\/+$/, '') };
}

interface Answer {
  status?: number;
  error?: NodeJS.ErrnoException;
}

const described = (answer: Answer) =>
  answer.status !== undefined ? `answered ${answer.status}` : `no answer (${answer.error?.code ?? answer.error?.message})`;

/** GET /api/ on a connection of its own from `localAddress`. */
function ask(target: Target, localAddress: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: target.address,
        port: target.port,
        path: `${target.prefix}/api/`,
        localAddress,
        agent: false,
        headers: { host: target.host },
        timeout: PROBE_WAIT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode! }));
        res.on('error', (error) => resolve({ error }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`none within ${PROBE_WAIT_MS / 1000} s`)));
    req.on('error', (error) => resolve({ error }));
    req.end();
  });
}

interface Holding {
  /** Connections the server has not closed. */
  open(): number;
  /** Connections the server closed, or never completed: past this the server takes no more from the address. */
  refused: number;
  /** An error of our own side that stopped the opening, if one did. */
  localError?: NodeJS.ErrnoException;
  /** Closes every connection and resolves once each is closed. */
  release(): Promise<void>;
}

/**
 * Opens up to `count` connections from HOLDER, each sending the start of a request and then a byte
 * now and then, batch by batch until the server starts closing them (its per-address cap), `count`
 * is reached, or our own side runs out. They stay open until released.
 */
async function holdSlowConnections(target: Target, count: number): Promise<Holding> {
  const sockets: Socket[] = [];
  const closed: Promise<void>[] = [];
  let releasing = false;
  const head = `GET ${target.prefix}/api/ HTTP/1.1\r\nHost: ${target.host}\r\nX-Azuma-Conformance: `;
  const trickle = setInterval(() => {
    for (const socket of sockets) if (!socket.destroyed && !socket.connecting) socket.write('a');
  }, TRICKLE_MS);
  const holding: Holding = {
    open: () => sockets.filter((socket) => !socket.destroyed).length,
    refused: 0,
    async release() {
      releasing = true;
      clearInterval(trickle);
      for (const socket of sockets) socket.destroy();
      await Promise.all(closed);
    },
  };

  const open = () => {
    const socket = connect({ host: target.address, port: target.port, localAddress: HOLDER });
    sockets.push(socket);
    let failure: NodeJS.ErrnoException | undefined;
    let counted = false;
    const refuse = () => {
      if (!counted && !releasing) holding.refused++;
      counted = true;
    };
    socket.on('error', (error: NodeJS.ErrnoException) => {
      failure = error;
    });
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const timer = setTimeout(() => {
      // Still connecting: the server (or its backlog) takes no more.
      refuse();
      socket.destroy();
    }, CONNECT_WAIT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.write(head);
      settle();
    });
    closed.push(
      new Promise((resolve) =>
        socket.once('close', () => {
          clearTimeout(timer);
          if (failure?.code && LOCAL_ERRORS.has(failure.code)) holding.localError ??= failure;
          else refuse();
          settle();
          resolve();
        }),
      ),
    );
    return settled;
  };

  try {
    while (sockets.length < count && holding.refused === 0 && holding.localError === undefined) {
      const batch = Math.min(BATCH, count - sockets.length);
      await Promise.all(Array.from({ length: batch }, open));
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    }
  } catch (error) {
    await holding.release();
    throw error;
  }
  return holding;
}

export function connectionChecks(): Check[] {
  return [
    {
      id: 'connections.per-address',
      rules: ['RATE-4'],
      title: `while ${HOLDER} holds as many slow connections as the server lets it (the suite opens them until the server closes new ones), GET /api/ from ${PROBER} is answered 200 every time`,
      async run(ctx) {
        const target = await loopbackTarget(ctx.http.baseUrl);
        const before = await ask(target, PROBER);
        if (before.error?.code && LOCAL_ERRORS.has(before.error.code)) {
          throw new Skipped(
            `this machine cannot send from ${PROBER} (${before.error.code}), which the check speaks from: ${HOW_TO_RUN} on Linux`,
          );
        }
        if (before.status !== 200) {
          throw new Skipped(`before any load, GET /api/ from ${PROBER} ${described(before)}, so an answer under load cannot be told apart`);
        }
        const holding = await holdSlowConnections(target, ctx.slowConnections);
        try {
          const open = holding.open();
          if (holding.localError && holding.refused === 0) {
            throw new Skipped(
              `the suite could open only ${open} connections from ${HOLDER} (${holding.localError.code}) and the server took them all: ${
                holding.localError.code === 'EADDRNOTAVAIL' ? `${HOW_TO_RUN} on Linux` : 'raise the suite’s open-file limit (ulimit -n)'
              }`,
            );
          }
          const answers: Answer[] = [];
          for (let i = 0; i < PROBES; i++) answers.push(await ask(target, PROBER));
          const missed = answers.filter((answer) => answer.status !== 200);
          if (missed.length > 0) {
            const held = holding.refused > 0 ? `${open} slow connections, all the server would take from it` : `${open} slow connections`;
            throw new CheckFailed(
              `while ${HOLDER} held ${held}, GET /api/ from ${PROBER} went unanswered (no 200) in ${missed.length} of ${PROBES} tries: ${[...new Set(missed.map(described))].join(', ')}; one client address can take the connections every other client needs`,
            );
          }
        } finally {
          await holding.release();
        }
      },
    },
  ];
}
