// "Does anything answer on this unix socket?": a live listener versus a stale file or nothing.
import { connect } from 'node:net';

/**
 * Resolves true when something accepts a connection on `path`, false on any error. After
 * `timeoutMs` without an answer it resolves `onTimeout`: a listener too busy to accept is still a
 * listener (true), while a readiness probe wants a prompt answer (false).
 */
export function socketAnswers(path: string, timeoutMs = 1000, onTimeout = false): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(path);
    const timer = setTimeout(() => done(onTimeout), Math.max(1, timeoutMs));
    function done(ok: boolean): void {
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.on('error', () => undefined);
      sock.destroy();
      resolve(ok);
    }
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}
