// One address must not be able to hold every connection the server will take: the per-address cap
// closes its surplus at once, so a client at another address is still served.

import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/config.js';
import { descriptorShortfall } from '../server/http/connections.js';
import { type RunningServer, startServer } from './support/server.js';

let server: RunningServer | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close();
  server = undefined;
});

/** GET /api/ from a given local address on a connection of its own. */
function getFrom(url: string, localAddress: string) {
  return new Promise<number>((resolve, reject) => {
    const req = request(`${url}/api/`, { localAddress, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Opens `count` connections from 127.0.0.1 that each begin a request and send no more, as a
 * slow-headers attacker does, and resolves once the server has taken or refused every one of them.
 */
async function holdSlowConnections(running: RunningServer, count: number, onClose: () => void = () => {}): Promise<void> {
  const { port } = new URL(running.url);
  let seen = 0;
  let allSeen!: () => void;
  const settled = new Promise<void>((resolve) => (allSeen = resolve));
  // 'connection' for each the server took (the per-address cap may close it there), 'drop' for each
  // Node refused past the global cap: when both add up, no socket of the attacker is still pending.
  const tally = () => {
    if (++seen === count) allSeen();
  };
  running.app.server.on('connection', tally).on('drop', tally);
  for (let i = 0; i < count; i++) {
    const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: '127.0.0.1' });
    socket.on('error', () => {});
    socket.on('close', onClose);
    socket.on('connect', () => socket.write('G'));
    sockets.push(socket);
  }
  await settled;
  running.app.server.off('connection', tally).off('drop', tally);
}

describe('connections per address', () => {
  it('when one address holds more slow connections than the server takes in all, then another address still gets 200 every time', async () => {
    server = await startServer({ maxConnections: 10, maxConnectionsPerIp: 4 });
    await holdSlowConnections(server, 30);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push(await getFrom(server.url, '127.0.0.2'));
    expect(statuses).toEqual(Array(8).fill(200));
  });

  it('when an address is at its cap, then each connection past it is closed at once, and so is its next request', async () => {
    server = await startServer({ maxConnections: 100, maxConnectionsPerIp: 4 });
    let closedCount = 0;
    let eightClosed!: () => void;
    const closed = new Promise<void>((resolve) => (eightClosed = resolve));
    await holdSlowConnections(server, 12, () => {
      if (++closedCount === 8) eightClosed();
    });
    // Closed by the server with no answer: the eight past the cap. The four it holds stay open.
    await closed;
    expect(sockets.filter((socket) => socket.destroyed)).toHaveLength(8);
    await expect(getFrom(server.url, '127.0.0.1')).rejects.toThrow();
    expect(await getFrom(server.url, '127.0.0.2')).toBe(200);
  });
  it('when the address is a trusted proxy, then it speaks for many clients and only the global cap applies to it', async () => {
    server = await startServer({ maxConnections: 100, maxConnectionsPerIp: 2, trustProxy: '127.0.0.1' });
    await holdSlowConnections(server, 6);
    expect(sockets.filter((socket) => socket.destroyed)).toHaveLength(0);
    expect(await getFrom(server.url, '127.0.0.1')).toBe(200);
  });
});

describe('the connection settings', () => {
  it('when AZUMA_MAX_CONNECTIONS_PER_IP is unset, then it is well under the global cap, which leaves room for thousands of long-lived connections', () => {
    const config = loadConfig({});
    expect(config.maxConnections).toBeGreaterThanOrEqual(4096);
    expect(config.maxConnectionsPerIp).toBeLessThanOrEqual(config.maxConnections / 8);
  });

  it('when AZUMA_MAX_CONNECTIONS_PER_IP exceeds AZUMA_MAX_CONNECTIONS or is no number, then start-up stops naming it', () => {
    expect(() => loadConfig({ AZUMA_MAX_CONNECTIONS: '100', AZUMA_MAX_CONNECTIONS_PER_IP: '101' })).toThrow(/AZUMA_MAX_CONNECTIONS_PER_IP/);
    expect(() => loadConfig({ AZUMA_MAX_CONNECTIONS_PER_IP: 'many' })).toThrow(ConfigError);
    expect(loadConfig({ AZUMA_MAX_CONNECTIONS: '100', AZUMA_MAX_CONNECTIONS_PER_IP: '100' }).maxConnectionsPerIp).toBe(100);
    // Lowering the global cap alone keeps the per-address one under it.
    const lowered = loadConfig({ AZUMA_MAX_CONNECTIONS: '100' });
    expect(lowered.maxConnectionsPerIp).toBeLessThan(lowered.maxConnections);
  });

  it('when the open-file limit cannot carry the connection cap, then the operator is told which limit to raise', () => {
    expect(descriptorShortfall(10_000, 1024)).toMatch(/open-file limit \(1024\).*AZUMA_MAX_CONNECTIONS/);
    expect(descriptorShortfall(10_000, 1_048_576)).toBeUndefined();
  });
});
