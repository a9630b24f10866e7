/**
 * TCP port probes (no Azurite code): the reachability check every storage command makes before its first
 * request loads only this and node:net, not the embedded emulator's launcher (child_process and all).
 */
import { connect } from 'node:net';

export const LOOPBACK_HOST = '127.0.0.1';

/**
 * Probe a TCP port: 'open' when a connection is accepted, 'refused' when the host says nothing listens
 * (ECONNREFUSED: definitive), 'unknown' on a timeout or any other error (a starved machine or a stalled
 * server — not proof that nothing is there).
 */
export function probePort(
  port: number,
  host = LOOPBACK_HOST,
  timeoutMs = 3_000,
): Promise<'open' | 'refused' | 'unknown'> {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    const done = (r: 'open' | 'refused' | 'unknown') => {
      sock.removeAllListeners();
      sock.destroy();
      resolve(r);
    };
    sock.setTimeout(timeoutMs, () => done('unknown'));
    sock.once('connect', () => done('open'));
    sock.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' ? 'refused' : 'unknown'),
    );
  });
}

/** True if something accepts TCP connections on host:port. */
export function isListening(port: number, host = LOOPBACK_HOST, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    const done = (ok: boolean) => {
      sock.removeAllListeners();
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}
