/**
 * Counts Redis round trips exactly: MONITOR reports every command a client sent, and marks the
 * ones a Lua script ran inside Redis (`lua`), which `INFO commandstats` cannot tell apart. EVALSHA
 * calls are named after the lease semaphore's scripts (by their SHA1, the way ioredis loads them).
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { LEASE_SEMAPHORE_SCRIPTS } from '@app/common';

export interface RoundTrips {
  /** Commands clients sent (MONITOR lines not from Lua), by command (EVALSHA by script name). */
  byCommand: Record<string, number>;
  total: number;
  /** Commands run inside Lua scripts (not round trips). */
  insideScripts: number;
  durationMs: number;
}

function semaphoreScriptNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const [name, lua] of Object.entries(LEASE_SEMAPHORE_SCRIPTS)) names.set(createHash('sha1').update(lua).digest('hex'), `semaphore ${name}`);
  return names;
}

/** Runs `work` with MONITOR attached and returns the round trips it caused. */
export async function countRoundTrips(redisUrl: string, work: () => Promise<void>): Promise<RoundTrips> {
  const scriptNames = semaphoreScriptNames();
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const monitor = await client.monitor();
  const result: RoundTrips = { byCommand: {}, total: 0, insideScripts: 0, durationMs: 0 };
  const started = performance.now();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua') {
      result.insideScripts += 1;
      return;
    }
    const command = (args[0] ?? '').toLowerCase();
    if (command === 'monitor') return;
    const name = command === 'evalsha' ? (scriptNames.get(args[1] ?? '') ?? 'evalsha (unknown script)') : command;
    result.byCommand[name] = (result.byCommand[name] ?? 0) + 1;
    result.total += 1;
  });
  try {
    await work();
    result.durationMs = performance.now() - started;
    // MONITOR lines trail the commands slightly.
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    monitor.disconnect();
    client.disconnect();
  }
  return result;
}
