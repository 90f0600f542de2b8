import { freePort } from '../../support/ports';
import type { CliIo } from '../../../apps/cli/src';

export interface CapturedIo {
  io: CliIo;
  output(): string;
  /** Resolves with the first printed line that is a URL starting with `prefix`. */
  waitForUrl(prefix: string, timeoutMs?: number): Promise<string>;
}

/** Captures stdout/stderr; no browser (the test plays the browser), optionally a scripted stdin line. */
export function captureIo(readLine?: CliIo['readLine']): CapturedIo {
  let text = '';
  const waiters: Array<() => void> = [];
  const append = (chunk: string) => {
    text += chunk;
    waiters.splice(0).forEach((wake) => wake());
  };
  const io: CliIo = { stdout: append, stderr: append, openBrowser: async () => false, readLine };
  const findUrl = (prefix: string) => text.split('\n').find((line) => line.startsWith(prefix));
  return {
    io,
    output: () => text,
    waitForUrl: (prefix, timeoutMs = 5000) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL starting with ${prefix} printed; output so far:\n${text}`)), timeoutMs);
        const check = () => {
          const found = findUrl(prefix);
          if (found) {
            clearTimeout(timer);
            resolve(found.trim());
          } else {
            waiters.push(check);
          }
        };
        check();
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export const closedPort = freePort;
