import type { ChildProcess } from 'node:child_process';

/**
 * Everything a test starts (processes, servers, temporary folders) is registered here the moment
 * it exists, so a hook that failed or timed out before handing it to its own `afterAll` still has
 * it stopped: test/support/jest-cleanup.ts runs the registry after every test file. A child process
 * is also killed if the test process itself exits, so nothing outlives `npm test`.
 */
type Cleanup = () => unknown;

const cleanups = new Set<Cleanup>();
const children = new Set<ChildProcess>();
const CLEANUP_TIMEOUT_MS = 15_000;

/** Registers `cleanup`; returns a function that unregisters it (call it once stopped normally). */
export function registerCleanup(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** A spawned child: SIGKILLed at the end of the test file (or process) unless it exited by then. */
export function trackChild(child: ChildProcess): ChildProcess {
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  children.add(child);
  const unregister = registerCleanup(kill);
  child.once('exit', () => {
    children.delete(child);
    unregister();
  });
  return child;
}

/** Runs (and forgets) every registered cleanup, each bounded in time; never throws. */
export async function runCleanups(): Promise<void> {
  const pending = [...cleanups].reverse();
  cleanups.clear();
  for (const cleanup of pending) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.resolve().then(cleanup).catch(() => undefined),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, CLEANUP_TIMEOUT_MS); }),
    ]);
    clearTimeout(timer);
  }
}

process.once('exit', () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
