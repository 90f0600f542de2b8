/**
 * Per-key limits and usage, shared by every replica: an in-process twin (one replica, tests) and a
 * Redis adapter (redis-team-store.ts). Admission is one round trip, settling another.
 */
export interface AdmitInput {
  key: string;
  /** Unique id of this request (a concurrency lease and a window entry). */
  lease: string;
  now: number;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  requestsPerMinute?: number;
  maxConcurrent?: number;
  tokensPerDay?: number;
  /** A lease not refreshed for this long is dropped (a replica died mid-request). */
  leaseTtlMs: number;
}

export type AdmitVerdict = 'ok' | 'requests' | 'concurrency' | 'tokens';

export interface AdmitResult {
  verdict: AdmitVerdict;
  /** Requests accepted in the last 60 s, this one included when accepted. */
  requestsInWindow: number;
  /** When the oldest request of the window leaves it (epoch ms), if any is in it. */
  windowFreesAt?: number;
  tokensUsed: number;
}

export interface UsageDelta {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  errors: number;
}

export interface SettleInput extends UsageDelta {
  key: string;
  model: string;
  day: string;
  /** The concurrency lease to free, when one was taken. */
  lease?: string;
  /** Tokens to charge to the key's daily budget (prompt + completion, reasoning included). */
  chargeTokens: number;
  retentionMs: number;
}

export interface UsageRow extends UsageDelta {
  key: string;
  model: string;
  date: string;
}

export abstract class TeamStore {
  abstract admit(input: AdmitInput): Promise<AdmitResult>;
  abstract settle(input: SettleInput): Promise<void>;
  /** Keeps the given leases of `key` alive until `until` (epoch ms). */
  abstract refreshLeases(key: string, leases: readonly string[], until: number): Promise<void>;
  /** Usage rows for days `from`..`to` (inclusive, `YYYY-MM-DD`), optionally of one key. */
  abstract usage(days: readonly string[], key?: string): Promise<UsageRow[]>;
}

const METRICS = ['requests', 'promptTokens', 'completionTokens', 'reasoningTokens', 'errors'] as const;
export type UsageMetric = (typeof METRICS)[number];
export const USAGE_METRICS: readonly UsageMetric[] = METRICS;

export class MemoryTeamStore extends TeamStore {
  private readonly windows = new Map<string, number[]>();
  private readonly leases = new Map<string, Map<string, number>>();
  private readonly tokens = new Map<string, number>();
  private readonly rows = new Map<string, UsageRow>();

  async admit(input: AdmitInput): Promise<AdmitResult> {
    const tokensUsed = this.tokens.get(`${input.key}|${input.day}`) ?? 0;
    const window = (this.windows.get(input.key) ?? []).filter((at) => at > input.now - 60_000);
    this.windows.set(input.key, window);
    const windowFreesAt = window.length > 0 ? window[0] + 60_000 : undefined;
    if (input.tokensPerDay && tokensUsed >= input.tokensPerDay) return { verdict: 'tokens', requestsInWindow: window.length, windowFreesAt, tokensUsed };
    const leases = this.leases.get(input.key) ?? new Map<string, number>();
    for (const [lease, expires] of leases) if (expires <= input.now) leases.delete(lease);
    this.leases.set(input.key, leases);
    if (input.maxConcurrent && leases.size >= input.maxConcurrent) return { verdict: 'concurrency', requestsInWindow: window.length, windowFreesAt, tokensUsed };
    if (input.requestsPerMinute && window.length >= input.requestsPerMinute) return { verdict: 'requests', requestsInWindow: window.length, windowFreesAt, tokensUsed };
    if (input.requestsPerMinute) window.push(input.now);
    if (input.maxConcurrent) leases.set(input.lease, input.now + input.leaseTtlMs);
    return { verdict: 'ok', requestsInWindow: window.length, windowFreesAt: window.length > 0 ? window[0] + 60_000 : undefined, tokensUsed };
  }

  async settle(input: SettleInput): Promise<void> {
    if (input.lease) this.leases.get(input.key)?.delete(input.lease);
    if (input.chargeTokens > 0) this.tokens.set(`${input.key}|${input.day}`, (this.tokens.get(`${input.key}|${input.day}`) ?? 0) + input.chargeTokens);
    const id = `${input.key}|${input.model}|${input.day}`;
    const row = this.rows.get(id) ?? { key: input.key, model: input.model, date: input.day, requests: 0, promptTokens: 0, completionTokens: 0, reasoningTokens: 0, errors: 0 };
    for (const metric of METRICS) row[metric] += input[metric];
    this.rows.set(id, row);
  }

  async refreshLeases(key: string, leases: readonly string[], until: number): Promise<void> {
    const held = this.leases.get(key);
    for (const lease of leases) if (held?.has(lease)) held.set(lease, until);
  }

  async usage(days: readonly string[], key?: string): Promise<UsageRow[]> {
    const wanted = new Set(days);
    return [...this.rows.values()].filter((row) => wanted.has(row.date) && (key === undefined || row.key === key)).map((row) => ({ ...row }));
  }
}
