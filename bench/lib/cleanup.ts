import type { ChildProcess } from 'node:child_process';

/**
 * Processes the bench started. Whatever way the bench ends (error, watchdog, Ctrl+C), the ones
 * still running are killed, by their own pid (nginx by its process group), never by name.
 */
const running = new Set<{ child: ChildProcess; group: boolean }>();

export function track(child: ChildProcess, options: { group?: boolean } = {}): void {
  const entry = { child, group: options.group ?? false };
  running.add(entry);
  child.once('exit', () => running.delete(entry));
}

function killAll(): void {
  for (const { child, group } of running) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    try {
      if (group) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}
