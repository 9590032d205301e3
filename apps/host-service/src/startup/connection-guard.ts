import { readFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';

export interface ConnectionLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
}

export interface ConnectionGuard {
  /** The total cap in force: the configured one, lowered to keep half the fds for everything else. */
  readonly maxConnections: number;
  /** Connections refused so far (over the total or the per-address cap). */
  refused(): number;
}

/** The soft RLIMIT_NOFILE of this process (Node raises it to the hard limit at start). */
export function openFileLimit(limitsText = readFileSync('/proc/self/limits', 'utf8')): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(limitsText);
  if (m === null || m[1] === 'unlimited') return Number.MAX_SAFE_INTEGER;
  return Number(m[1]);
}

/**
 * API clients may use at most half of the fds: Docker calls, config backups, uinput devices and
 * log shipping need the rest, and must never fail with EMFILE because of a connection flood.
 */
export function effectiveMaxConnections(configured: number, fdLimit: number): number {
  return Math.max(1, Math.min(configured, Math.floor(fdLimit / 2)));
}

/**
 * Caps concurrent connections in total (`server.maxConnections`: Node closes the extra ones
 * before any TLS state is allocated) and per client address, so one address flooding the port
 * cannot starve the webserver or a client app calling from another.
 */
export function guardConnections(
  server: Server,
  limits: ConnectionLimits,
  fdLimit: number = openFileLimit(),
): ConnectionGuard {
  const maxConnections = effectiveMaxConnections(limits.maxConnections, fdLimit);
  server.maxConnections = maxConnections;
  const perAddress = new Map<string, number>();
  let refused = 0;
  server.on('drop', () => {
    refused += 1;
  });
  // The TLS server wraps every socket it is handed (a TLSSocket and an OpenSSL SSL each): take its
  // connection listeners over so a refused socket is reset before any of that is allocated.
  const wrapped = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const open = perAddress.get(address) ?? 0;
    if (open >= limits.maxConnectionsPerAddress) {
      refused += 1;
      socket.resetAndDestroy();
      return;
    }
    perAddress.set(address, open + 1);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
    for (const listener of wrapped) listener.call(server, socket);
  });
  return { maxConnections, refused: () => refused };
}
