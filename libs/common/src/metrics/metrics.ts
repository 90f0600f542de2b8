import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const OVERHEAD_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/**
 * Every metric the gateway exports, declared in one place. Names follow
 * `geminicli2api_<area>_<name>_<unit>`; label values are bounded (route templates, model ids from
 * the catalog plus at most 32 others (`modelLabel`), client key NAMES from config, fixed enums). No label ever carries a secret.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({ name: 'geminicli2api_http_requests_total', help: 'HTTP requests answered, by route template, method, status, surface and client key name.', labelNames: ['route', 'method', 'status', 'surface', 'client'], registers: [this.registry] });
  readonly httpDuration = new Histogram({ name: 'geminicli2api_http_request_duration_seconds', help: 'HTTP request duration until the response ended (streams: the whole stream).', labelNames: ['route', 'method', 'status', 'surface'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly httpInFlight = new Gauge({ name: 'geminicli2api_http_requests_in_flight', help: 'HTTP requests being served.', labelNames: ['surface'], registers: [this.registry] });
  readonly streamsOpen = new Gauge({ name: 'geminicli2api_streams_open', help: 'Streamed responses currently open.', labelNames: ['surface'], registers: [this.registry] });
  readonly streamDuration = new Histogram({ name: 'geminicli2api_stream_duration_seconds', help: 'Streamed response duration, by how it ended.', labelNames: ['surface', 'outcome'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly timeToFirstByte = new Histogram({ name: 'geminicli2api_time_to_first_byte_seconds', help: 'Time from request to the first byte of a streamed answer sent to the client.', labelNames: ['surface', 'model'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly upstreamDuration = new Histogram({ name: 'geminicli2api_upstream_request_duration_seconds', help: 'Google call duration (streams: until the last chunk), by backend (code_assist, gemini_api, vertex).', labelNames: ['model', 'method', 'outcome', 'backend'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly upstreamFirstByte = new Histogram({ name: 'geminicli2api_upstream_time_to_first_byte_seconds', help: 'Time until Google answered with headers, by backend.', labelNames: ['model', 'method', 'backend'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly upstreamErrors = new Counter({ name: 'geminicli2api_upstream_errors_total', help: 'Upstream failures by class (rate_limited, daily_quota, capacity, auth, server, timeout, truncated, network, validation_required, invalid_request, other) and backend (none: before any credential was chosen).', labelNames: ['class', 'model', 'backend'], registers: [this.registry] });
  readonly upstreamRetries = new Counter({ name: 'geminicli2api_upstream_retries_total', help: 'Upstream calls retried, by reason and the backend that failed.', labelNames: ['reason', 'backend'], registers: [this.registry] });
  readonly tokens = new Counter({ name: 'geminicli2api_tokens_total', help: 'Tokens reported by Google, by model, client key name and type (prompt, completion, reasoning).', labelNames: ['model', 'client', 'type'], registers: [this.registry] });
  readonly limiterRunning = new Gauge({ name: 'geminicli2api_limiter_running', help: 'Limiter slots held by this replica.', registers: [this.registry] });
  readonly limiterQueued = new Gauge({ name: 'geminicli2api_limiter_queued', help: 'Requests this replica has queued for a limiter slot.', registers: [this.registry] });
  readonly limiterMaxConcurrent = new Gauge({ name: 'geminicli2api_limiter_max_concurrent', help: 'Configured cluster-wide cap (UPSTREAM_MAX_CONCURRENT; 0 = none).', registers: [this.registry] });
  readonly limiterQueueWait = new Histogram({ name: 'geminicli2api_limiter_queue_wait_seconds', help: 'Time spent waiting for a limiter slot.', buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  readonly limiterRejections = new Counter({ name: 'geminicli2api_limiter_rejections_total', help: 'Requests refused by the limiter (queue_full, queue_timeout).', labelNames: ['reason'], registers: [this.registry] });
  readonly tokenRefreshes = new Counter({ name: 'geminicli2api_token_refreshes_total', help: 'Google access-token refreshes performed by this replica, by credential label and result.', labelNames: ['credential', 'result'], registers: [this.registry] });
  readonly credentialRequests = new Counter({ name: 'geminicli2api_credential_requests_total', help: 'Generation attempts per Google account (label) and outcome (ok, error).', labelNames: ['credential', 'outcome'], registers: [this.registry] });
  readonly credentialState = new Gauge({ name: 'geminicli2api_credential_state', help: '1 for the state each credential is in (active, cooling_down, disabled, onboarding).', labelNames: ['credential', 'state'], registers: [this.registry] });
  readonly redisUp = new Gauge({ name: 'geminicli2api_redis_up', help: '1 when Redis is configured and reachable.', registers: [this.registry] });
  readonly sharedStateMode = new Gauge({ name: 'geminicli2api_shared_state_mode', help: '1 for the current shared-state mode (local, redis, degraded).', labelNames: ['mode'], registers: [this.registry] });
  readonly redisCommandDuration = new Histogram({ name: 'geminicli2api_redis_command_duration_seconds', help: 'Redis command latency.', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5], registers: [this.registry] });
  readonly redisErrors = new Counter({ name: 'geminicli2api_redis_errors_total', help: 'Redis commands that failed or timed out.', registers: [this.registry] });
  readonly keyLimitRejections = new Counter({ name: 'geminicli2api_key_limit_rejections_total', help: 'Requests refused by a client key\'s own policy, by key name and reason (requests, tokens, concurrency, model, expired).', labelNames: ['client', 'reason'], registers: [this.registry] });
  readonly clientKeysLoaded = new Gauge({ name: 'geminicli2api_client_keys_loaded', help: 'Keys in force from CLIENT_KEYS_FILE.', registers: [this.registry] });
  readonly clientKeysReloadErrors = new Counter({ name: 'geminicli2api_client_keys_reload_errors_total', help: 'Times CLIENT_KEYS_FILE could not be read or parsed (the last good keys stayed in force).', registers: [this.registry] });
  readonly upstreamQuotaRemaining = new Gauge({ name: 'geminicli2api_upstream_quota_remaining_fraction', help: 'Remaining fraction of each Google account\'s quota per model (retrieveUserQuota, refreshed in the background).', labelNames: ['credential', 'model'], registers: [this.registry] });
  readonly modelFallbacks = new Counter({ name: 'geminicli2api_model_fallbacks_total', help: 'Requests served by a MODEL_FALLBACKS model because every account was cooling for the one asked for.', labelNames: ['from', 'to'], registers: [this.registry] });
  readonly gatewayOverhead = new Histogram({ name: 'geminicli2api_gateway_overhead_seconds', help: 'Time the gateway itself added: total minus upstream (streams: time to first byte minus upstream time to first byte).', labelNames: ['surface'], buckets: OVERHEAD_BUCKETS, registers: [this.registry] });

  /** Model names that are always their own label value: the catalog's (see `knowModels`). */
  private readonly knownModels = new Set<string>();
  /** Other model names (forwarded, not in the catalog), first come first served, at most MAX_EXTRA_MODEL_LABELS. */
  private readonly extraModels = new Set<string>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Registers the catalog's model ids: they are label values as they are. */
  knowModels(ids: Iterable<string>): void {
    for (const id of ids) this.knownModels.add(id);
  }

  /**
   * The `model` label value for a model name. Names outside the catalog are forwarded to Google
   * (a new model works before the catalog knows it), so clients choose them: the first
   * MAX_EXTRA_MODEL_LABELS such names keep their own series, every later one is counted as
   * `other`. A client inventing names cannot grow the series without bound.
   */
  modelLabel(model: string): string {
    if (this.knownModels.has(model) || this.extraModels.has(model)) return model;
    if (this.extraModels.size >= MAX_EXTRA_MODEL_LABELS) return OTHER_MODEL_LABEL;
    this.extraModels.add(model);
    return model;
  }
}

/** How many model names outside the catalog get a label value of their own, per process. */
export const MAX_EXTRA_MODEL_LABELS = 32;
export const OTHER_MODEL_LABEL = 'other';
