import type { RedisClient } from '@app/common';
import { TeamStore, USAGE_METRICS, type AdmitInput, type AdmitResult, type AdmitVerdict, type SettleInput, type UsageRow } from './team-store';

/**
 * Every check of a key in one script (one round trip): the daily token budget, concurrency leases
 * (a sorted set scored by expiry, so a dead replica's leases lapse) and the rolling 60 s window (a
 * sorted set of accepted requests). All of a key's keys share the hash tag `{name}`, so the script
 * and the settle pipeline also run on Redis Cluster.
 */
const ADMIT_SCRIPT = `
local now = tonumber(ARGV[1])
local rpm = tonumber(ARGV[2])
local conc = tonumber(ARGV[3])
local budget = tonumber(ARGV[4])
local lease = ARGV[5]
local leaseTtl = tonumber(ARGV[6])
local used = tonumber(redis.call('GET', KEYS[3]) or '0')
local count = 0
local oldest = -1
if rpm > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
  count = redis.call('ZCARD', KEYS[1])
  if count > 0 then oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]) end
end
if budget > 0 and used >= budget then return {'tokens', count, oldest, used} end
if conc > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= conc then return {'concurrency', count, oldest, used} end
end
if rpm > 0 then
  if count >= rpm then return {'requests', count, oldest, used} end
  redis.call('ZADD', KEYS[1], now, lease)
  redis.call('PEXPIRE', KEYS[1], 61000)
  count = count + 1
  if oldest < 0 then oldest = now end
end
if conc > 0 then
  redis.call('ZADD', KEYS[2], now + leaseTtl, lease)
  redis.call('PEXPIRE', KEYS[2], leaseTtl + 60000)
end
return {'ok', count, oldest, used}
`;

const NAMES_KEY = 'usage:names';

export class RedisTeamStore extends TeamStore {
  private readonly knownNames = new Set<string>();

  constructor(private readonly client: RedisClient) {
    super();
    client.defineCommand('gatewayAdmitKey', { numberOfKeys: 3, lua: ADMIT_SCRIPT });
  }

  /** Connected and usable now (commands on a closed connection would only fail). */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  async admit(input: AdmitInput): Promise<AdmitResult> {
    const tag = tagOf(input.key);
    const reply = (await (this.client as unknown as { gatewayAdmitKey(...args: Array<string | number>): Promise<[string, number, number, number | string]> }).gatewayAdmitKey(
      `key:${tag}:window`, `key:${tag}:leases`, `key:${tag}:tokens:${input.day}`,
      input.now, input.requestsPerMinute ?? 0, input.maxConcurrent ?? 0, input.tokensPerDay ?? 0, input.lease, input.leaseTtlMs,
    ));
    const [verdict, count, oldest, used] = reply;
    return { verdict: verdict as AdmitVerdict, requestsInWindow: Number(count), windowFreesAt: Number(oldest) >= 0 ? Number(oldest) + 60_000 : undefined, tokensUsed: Number(used) };
  }

  async settle(input: SettleInput): Promise<void> {
    const tag = tagOf(input.key);
    const pipeline = this.client.pipeline();
    if (input.lease) pipeline.zrem(`key:${tag}:leases`, input.lease);
    if (input.chargeTokens > 0) {
      pipeline.incrby(`key:${tag}:tokens:${input.day}`, input.chargeTokens);
      pipeline.pexpire(`key:${tag}:tokens:${input.day}`, 2 * 86_400_000);
    }
    const usageKey = `usage:${tag}:${input.day}`;
    const counted = USAGE_METRICS.filter((metric) => input[metric] > 0);
    for (const metric of counted) pipeline.hincrby(usageKey, `${input.model}\t${metric}`, input[metric]);
    if (counted.length > 0) pipeline.pexpire(usageKey, input.retentionMs);
    await pipeline.exec();
    if (counted.length > 0 && !this.knownNames.has(input.key)) {
      // Once per key and process: the index the usage export walks (its own slot on a cluster).
      await this.client.sadd(NAMES_KEY, input.key);
      this.knownNames.add(input.key);
    }
  }

  async refreshLeases(key: string, leases: readonly string[], until: number): Promise<void> {
    if (leases.length === 0) return;
    const leasesKey = `key:${tagOf(key)}:leases`;
    // XX: only leases still held; one that was freed or lapsed is not brought back.
    await this.client.zadd(leasesKey, 'XX', ...leases.flatMap((lease) => [until, lease]));
  }

  async usage(days: readonly string[], key?: string): Promise<UsageRow[]> {
    const names = key !== undefined ? [key] : await this.client.smembers(NAMES_KEY);
    const rows: UsageRow[] = [];
    for (const name of names.sort()) {
      const pipeline = this.client.pipeline();
      for (const day of days) pipeline.hgetall(`usage:${tagOf(name)}:${day}`);
      const results = (await pipeline.exec()) ?? [];
      results.forEach(([error, hash], index) => {
        if (error || !hash) return;
        const byModel = new Map<string, UsageRow>();
        for (const [field, value] of Object.entries(hash as Record<string, string>)) {
          const separator = field.lastIndexOf('\t');
          const model = field.slice(0, separator);
          const metric = field.slice(separator + 1) as (typeof USAGE_METRICS)[number];
          if (!USAGE_METRICS.includes(metric)) continue;
          const row = byModel.get(model) ?? { key: name, model, date: days[index], requests: 0, promptTokens: 0, completionTokens: 0, reasoningTokens: 0, errors: 0 };
          row[metric] = Number(value);
          byModel.set(model, row);
        }
        rows.push(...[...byModel.values()].sort((a, b) => a.model.localeCompare(b.model)));
      });
    }
    return rows;
  }
}

/** A Redis Cluster hash tag: all of one key's data in one slot. Braces inside a name cannot break out. */
function tagOf(name: string): string {
  return `{${name.replace(/[{}]/g, '_')}}`;
}
