/**
 * Counts Redis round trips exactly: MONITOR reports every command a client sent, and marks the
 * ones a Lua script ran inside Redis (`lua`), which `INFO commandstats` cannot tell apart. EVALSHA
 * calls are named after bottleneck's scripts (their SHA1 is computed the way bottleneck loads them).
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';

export interface RoundTrips {
  /** Commands clients sent (MONITOR lines not from Lua), by command (EVALSHA by script name). */
  byCommand: Record<string, number>;
  total: number;
  /** Commands run inside Lua scripts (not round trips). */
  insideScripts: number;
}

function bottleneckScriptNames(): Map<string, string> {
  const names = new Map<string, string>();
  try {
    const scripts = require('bottleneck/lib/Scripts') as { names: string[]; payload(name: string): string };
    for (const name of scripts.names) names.set(createHash('sha1').update(scripts.payload(name)).digest('hex'), `bottleneck ${name}`);
  } catch {
    // bottleneck's internals moved: EVALSHA stays unnamed
  }
  return names;
}

/** Runs `work` with MONITOR attached and returns the round trips it caused. */
export async function countRoundTrips(redisUrl: string, work: () => Promise<void>): Promise<RoundTrips> {
  const scriptNames = bottleneckScriptNames();
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const monitor = await client.monitor();
  const result: RoundTrips = { byCommand: {}, total: 0, insideScripts: 0 };
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
    // MONITOR lines trail the commands slightly.
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    monitor.disconnect();
    client.disconnect();
  }
  return result;
}
