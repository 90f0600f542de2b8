import Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';

/**
 * bottleneck 2.19.5 recovers from lost keys (Redis restarted, flushed, evicted) by matching the
 * error text `SETTINGS_KEY_NOT_FOUND` / `UNKNOWN_CLIENT` exactly; Redis 7 prefixes script errors
 * with `ERR `, so its recovery never fires and every call fails from then on. This connection strips
 * the prefix before bottleneck sees the error, which lets bottleneck re-initialise by itself.
 */
export class RecoveringIORedisConnection extends Bottleneck.IORedisConnection {
  __scriptArgs__(name: string, id: string, args: unknown[], callback: (error: Error | null, replies: unknown) => void): unknown[] {
    const parent = (Bottleneck.IORedisConnection.prototype as unknown as { __scriptArgs__: RecoveringIORedisConnection['__scriptArgs__'] }).__scriptArgs__;
    return parent.call(this, name, id, args, (error, replies) => {
      if (error && /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)/.test(error.message)) error.message = error.message.slice(4);
      callback(error, replies);
    });
  }
}

/**
 * Frees the slots of limiter clients (replicas) that stopped heartbeating: bottleneck itself only
 * forgets dead clients that hold no running jobs, and frees running jobs only on their expiration,
 * which a stream of unknown length cannot have. Marking a dead client's jobs as expired lets
 * bottleneck's next tick (any live replica's heartbeat) give the capacity back.
 */
const REAP_SCRIPT = `
local dead = redis.call('zrangebyscore', KEYS[3], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if #dead == 0 then return 0 end
local lookup = {}
for i = 1, #dead do lookup[dead[i]] = true end
local jobs = redis.call('hgetall', KEYS[2])
local reaped = 0
for i = 1, #jobs, 2 do
  if lookup[jobs[i + 1]] then
    redis.call('zadd', KEYS[1], 0, jobs[i])
    reaped = reaped + 1
  end
end
return reaped`;

export async function reapDeadLimiterClients(client: Redis, limiterId: string, clientTimeoutMs: number): Promise<number> {
  const keys = [`b_${limiterId}_job_expirations`, `b_${limiterId}_job_clients`, `b_${limiterId}_client_last_seen`];
  return Number(await client.eval(REAP_SCRIPT, keys.length, ...keys, Date.now(), clientTimeoutMs));
}
