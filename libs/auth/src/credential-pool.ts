import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { GATEWAY_CONFIG, SharedState, type GatewayConfig } from '@app/common';
import { AccessTokenService } from './access-token.service';
import { CredentialStore } from './credential-store';
import type { GoogleCredential } from './google-credentials';
import { publicModelName } from '@app/translation';
import { modelMatches } from './backend-credentials';

/** Why an account is skipped, learned from Google's own signals (wire spec §3.3). */
export type CooldownClass = 'rate_limited' | 'daily_quota' | 'capacity' | 'server' | 'auth' | 'permission';
export type DisableClass = 'revoked' | 'validation_required' | 'ineligible' | 'rejected';

export interface Cooldown {
  /** Epoch ms. */
  until: number;
  class: CooldownClass | DisableClass;
  /** Google's own message, so a client that finds every account cooling sees the real reason. */
  message: string;
  /** For validation_required: the link to complete it. */
  link?: string;
  disabled?: boolean;
  /** Prefer other accounts, but use this one when none is usable (5xx, capacity): one busy account must not lock a single-account gateway out. */
  soft?: boolean;
}

export type AccountState = 'active' | 'cooling_down' | 'disabled';

export interface AccountStatus {
  label: string;
  state: AccountState;
  /** Earliest moment any model of this account is usable again (cooling), epoch ms. */
  cooldownUntil?: string;
  cooldowns: Array<{ model: string; until: string; class: string; reason: string }>;
  disabledReason?: string;
  validationUrl?: string;
  inFlight: number;
  requestsToday: number;
  lastErrorClass?: string;
  lastErrorAt?: string;
  weight: number;
  /** The Google service it calls: code_assist, gemini_api or vertex. */
  backend: string;
  priority: number;
}

export type PickResult =
  | { credential: GoogleCredential; release(): void }
  | { credential?: undefined; earliestResetMs: number; reasons: Cooldown[] };

const ALL_MODELS = '*';
const STATE_KEY = 'pool:cooldowns';
const STATE_TTL_MS = 2 * 24 * 3_600_000;
/** Pub/sub pushes carry each cooldown the moment it is learned; the snapshot read is the backstop (missed pushes, replicas that start later). */
const SNAPSHOT_REFRESH_MS = 5_000;
const COOLDOWN_CHANNEL = 'pool:cooldown';
const FLUSH_COUNTS_MS = 5_000;

/**
 * The Google accounts this gateway serves with, spread by weight and in-flight calls, skipping
 * accounts that are cooling down (per account × model, or the whole account) or disabled. Cooldowns
 * and disabled states live in the shared state, so every replica skips the same accounts: the
 * replica that learns one updates its own snapshot at once, stores it and publishes it, and every
 * other replica merges the push into its snapshot (within milliseconds; no Redis round trip on the
 * hot path). A snapshot read every 5 s catches what a push missed (a reconnect, a replica that started later).
 */
@Injectable()
export class CredentialPool implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('credentials');
  private snapshot = new Map<string, Cooldown>();
  private readonly inFlight = new Map<string, number>();
  private readonly lastError = new Map<string, { class: string; at: number }>();
  private readonly unflushedCounts = new Map<string, number>();
  private refresher?: NodeJS.Timeout;
  private flusher?: NodeJS.Timeout;
  private rotation = 0;

  constructor(
    private readonly store: CredentialStore,
    private readonly state: SharedState,
    private readonly tokens: AccessTokenService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.state.subscribe(COOLDOWN_CHANNEL, (message) => this.heardCooldown(message));
    await this.refreshSnapshot();
    this.refresher = setInterval(() => void this.refreshSnapshot(), SNAPSHOT_REFRESH_MS);
    this.refresher.unref();
    this.flusher = setInterval(() => void this.flushCounts(), FLUSH_COUNTS_MS);
    this.flusher.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.refresher) clearInterval(this.refresher);
    if (this.flusher) clearInterval(this.flusher);
    await this.flushCounts();
  }

  get size(): number {
    return this.store.all.length;
  }

  /**
   * The account for the next call to `model`: usable, not tried yet in this request, least loaded
   * for its weight. When none is usable, says when the earliest one will be and why.
   */
  pick(model: string, tried: ReadonlySet<string> = new Set()): PickResult {
    const now = Date.now();
    const cap = this.config.pool.maxConcurrentPerCredential;
    let best: GoogleCredential | undefined;
    let bestScore = Number.POSITIVE_INFINITY;
    let fallback: GoogleCredential | undefined;
    let fallbackScore = Number.POSITIVE_INFINITY;
    const blocked: Cooldown[] = [];
    const all = this.store.all;
    for (let offset = 0; offset < all.length; offset += 1) {
      const credential = all[(this.rotation + offset) % all.length];
      // `models` may name either id (Code Assist's `gemini-3-flash` or the public `gemini-3.5-flash`).
      if (!modelMatches(credential.models, model) && !modelMatches(credential.models, publicModelName(model))) continue;
      const cooldown = this.blockingCooldown(credential, model, now);
      if (cooldown && !cooldown.soft) {
        blocked.push(cooldown);
        continue;
      }
      if (tried.has(credential.id)) continue;
      const load = this.inFlight.get(credential.id) ?? 0;
      if (cap > 0 && load >= cap) continue;
      // Priority tiers first (lower serves first), then load for weight within a tier.
      const score = priorityOf(credential) * PRIORITY_STEP + (load + 1) / credential.weight;
      if (cooldown) {
        if (score < fallbackScore) {
          fallback = credential;
          fallbackScore = score;
        }
      } else if (score < bestScore) {
        best = credential;
        bestScore = score;
      }
    }
    best ??= fallback;
    this.rotation = (this.rotation + 1) % Math.max(1, all.length);
    if (!best) {
      const timed = blocked.filter((cooldown) => !cooldown.disabled);
      const earliestResetMs = timed.length > 0 ? Math.min(...timed.map((cooldown) => cooldown.until)) : Number.POSITIVE_INFINITY;
      return { earliestResetMs, reasons: blocked };
    }
    const chosen = best;
    this.inFlight.set(chosen.id, (this.inFlight.get(chosen.id) ?? 0) + 1);
    this.unflushedCounts.set(chosen.id, (this.unflushedCounts.get(chosen.id) ?? 0) + 1);
    let released = false;
    return {
      credential: chosen,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(chosen.id, Math.max(0, (this.inFlight.get(chosen.id) ?? 1) - 1));
      },
    };
  }

  /** Records what Google said about an account, for every replica. */
  async coolDown(credential: GoogleCredential, model: string | undefined, cooldown: Cooldown): Promise<void> {
    const field = `${credential.id}:${model ?? ALL_MODELS}`;
    const existing = this.snapshot.get(field);
    if (existing && existing.until >= cooldown.until && Boolean(existing.disabled) === Boolean(cooldown.disabled)) return;
    this.snapshot.set(field, cooldown);
    this.lastError.set(credential.id, { class: cooldown.class, at: Date.now() });
    const seconds = Math.round((cooldown.until - Date.now()) / 1000);
    if (cooldown.disabled) this.logger.error({ msg: 'Google account disabled', credential: credential.label, class: cooldown.class, reason: cooldown.message, link: cooldown.link });
    else this.logger.warn({ msg: 'Google account cooling down', credential: credential.label, model: model ?? 'all', class: cooldown.class, seconds });
    const serialized = JSON.stringify(cooldown);
    await Promise.all([this.state.hashSet(STATE_KEY, field, serialized, STATE_TTL_MS), this.state.publish(COOLDOWN_CHANNEL, JSON.stringify({ field, cooldown }))]);
  }

  /** A cooldown another replica (or this one, echoed) learned: merged like its own. */
  private heardCooldown(message: string): void {
    let pushed: { field?: unknown; cooldown?: Partial<Cooldown> };
    try {
      pushed = JSON.parse(message) as typeof pushed;
    } catch {
      return;
    }
    const { field, cooldown } = pushed;
    if (typeof field !== 'string' || !cooldown || typeof cooldown.until !== 'number' || typeof cooldown.class !== 'string') return;
    const existing = this.snapshot.get(field);
    if (existing && existing.until >= cooldown.until && Boolean(existing.disabled) === Boolean(cooldown.disabled)) return;
    this.snapshot.set(field, cooldown as Cooldown);
  }

  noteError(credential: GoogleCredential, errorClass: string): void {
    this.lastError.set(credential.id, { class: errorClass, at: Date.now() });
  }

  stateOf(credential: GoogleCredential, now = Date.now()): AccountState {
    if (this.tokens.isRevoked(credential.id)) return 'disabled';
    let cooling = false;
    for (const [field, cooldown] of this.snapshot) {
      if (!field.startsWith(`${credential.id}:`) || cooldown.until <= now) continue;
      if (cooldown.disabled) return 'disabled';
      cooling = true;
    }
    return cooling ? 'cooling_down' : 'active';
  }

  async status(): Promise<AccountStatus[]> {
    await this.refreshSnapshot();
    const now = Date.now();
    const today = new Map<string, number>();
    for (const credential of this.store.all) today.set(credential.id, Number((await this.state.get(countsKey(credential.id))) ?? 0));
    return this.store.all.map((credential) => {
      const entries = [...this.snapshot.entries()].filter(([field, cooldown]) => field.startsWith(`${credential.id}:`) && cooldown.until > now);
      const disabled = entries.find(([, cooldown]) => cooldown.disabled)?.[1];
      const revoked = this.tokens.isRevoked(credential.id);
      const timed = entries.filter(([, cooldown]) => !cooldown.disabled);
      const last = this.lastError.get(credential.id);
      return {
        label: credential.label,
        state: this.stateOf(credential, now),
        cooldownUntil: timed.length > 0 ? new Date(Math.min(...timed.map(([, cooldown]) => cooldown.until))).toISOString() : undefined,
        cooldowns: timed.map(([field, cooldown]) => ({ model: field.slice(credential.id.length + 1), until: new Date(cooldown.until).toISOString(), class: cooldown.class, reason: cooldown.message })),
        disabledReason: revoked ? 'refresh token revoked (invalid_grant): log in again' : disabled?.message,
        validationUrl: disabled?.link,
        inFlight: this.inFlight.get(credential.id) ?? 0,
        requestsToday: (today.get(credential.id) ?? 0) + (this.unflushedCounts.get(credential.id) ?? 0),
        lastErrorClass: last?.class,
        lastErrorAt: last ? new Date(last.at).toISOString() : undefined,
        weight: credential.weight,
        backend: credential.backend ?? 'code_assist',
        priority: priorityOf(credential),
      };
    });
  }

  private blockingCooldown(credential: GoogleCredential, model: string, now: number): Cooldown | undefined {
    if (this.tokens.isRevoked(credential.id)) return { until: Number.POSITIVE_INFINITY, class: 'revoked', message: `Google account "${credential.label}" was revoked (invalid_grant)`, disabled: true };
    let found: Cooldown | undefined;
    for (const field of [`${credential.id}:${ALL_MODELS}`, `${credential.id}:${model}`]) {
      const cooldown = this.snapshot.get(field);
      if (!cooldown || (cooldown.until <= now && !cooldown.disabled)) continue;
      if (cooldown.disabled) return cooldown;
      if (!found || cooldown.until > found.until) found = cooldown;
    }
    return found;
  }

  private async refreshSnapshot(): Promise<void> {
    try {
      const raw = await this.state.hashGetAll(STATE_KEY);
      const next = new Map<string, Cooldown>();
      const now = Date.now();
      for (const [field, value] of Object.entries(raw)) {
        const cooldown = JSON.parse(value) as Cooldown;
        if (cooldown.disabled || cooldown.until > now) next.set(field, cooldown);
      }
      // Keep what this replica learned if the shared state lost it (Redis restarted meanwhile).
      for (const [field, cooldown] of this.snapshot) if (!next.has(field) && (cooldown.disabled || cooldown.until > now)) next.set(field, cooldown);
      this.snapshot = next;
    } catch {
      // keep the old snapshot
    }
  }

  private async flushCounts(): Promise<void> {
    const pending = [...this.unflushedCounts.entries()];
    this.unflushedCounts.clear();
    for (const [id, count] of pending) await this.state.increment(countsKey(id), count, STATE_TTL_MS);
  }
}

/** Larger than any load score, so a lower priority always wins over a higher one. */
const PRIORITY_STEP = 1e9;

function priorityOf(credential: GoogleCredential): number {
  return credential.priority ?? 1;
}

/** Requests per account per UTC day, summed over replicas (flushed every 5 s). */
function countsKey(credentialId: string): string {
  return `pool:requests:${new Date().toISOString().slice(0, 10)}:${credentialId}`;
}
