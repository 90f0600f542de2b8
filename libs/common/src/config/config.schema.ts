import { z } from 'zod';

/**
 * Every setting the gateway reads, validated once at boot. Units are in the names (`_MS`).
 * Grouped in the typed object below; the env names are the user-facing contract (README table).
 */
const integer = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const optionalText = z.string().trim().min(1).optional().catch(undefined);
const bool = (fallback: boolean) =>
  z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])])
    .default(fallback)
    .transform((value) => value === true || ['true', '1', 'yes', 'on'].includes(String(value)));

export const envSchema = z.object({
  PORT: integer(8888, 1).pipe(z.number().max(65535)),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GEMINI_AUTH_PASSWORD: z.string().optional(),
  GATEWAY_API_KEYS: z.string().optional(),
  GEMINI_CREDENTIALS: z.string().optional(),
  GOOGLE_APPLICATION_CREDENTIALS: z.string().optional(),
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  GOOGLE_CLOUD_PROJECT_ID: z.string().optional(),
  CODE_ASSIST_ENDPOINT: z.string().url().default('https://cloudcode-pa.googleapis.com'),
  CODE_ASSIST_API_VERSION: z.string().min(1).default('v1internal'),
  GOOGLE_OAUTH_TOKEN_URL: z.string().url().default('https://oauth2.googleapis.com/token'),
  UPSTREAM_CONNECT_TIMEOUT_MS: integer(10_000, 1),
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: integer(300_000, 1),
  UPSTREAM_IDLE_TIMEOUT_MS: integer(120_000, 1),
  OAUTH_TIMEOUT_MS: integer(15_000, 1),
  TOKEN_REFRESH_MARGIN_MS: integer(300_000),
  ONBOARDING_POLL_INTERVAL_MS: integer(5_000, 1),
  ONBOARDING_TIMEOUT_MS: integer(120_000, 1),
  MAX_BODY_BYTES: integer(25 * 1024 * 1024, 1024),
  EXTRA_MODELS: z.string().optional(),
  IMAGE_FETCH_ENABLED: bool(false),
  IMAGE_FETCH_MAX_BYTES: integer(10 * 1024 * 1024, 1),
  IMAGE_FETCH_TIMEOUT_MS: integer(10_000, 1),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  /** Redis Sentinel: `host:port,host:port` of the sentinels; the master is REDIS_SENTINEL_NAME. */
  REDIS_SENTINELS: z.string().regex(/^\s*[^\s,:]+:\d+\s*(,\s*[^\s,:]+:\d+\s*)*$/, 'must be host:port[,host:port…]').optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster'),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  /** Redis Cluster: `host:port,host:port` of some of its masters (the rest are discovered). */
  REDIS_CLUSTER_NODES: z.string().regex(/^\s*[^\s,:]+:\d+\s*(,\s*[^\s,:]+:\d+\s*)*$/, 'must be host:port[,host:port…]').optional(),
  /** Password (and REDIS_USERNAME for ACLs) of the data nodes with REDIS_SENTINELS / REDIS_CLUSTER_NODES; REDIS_URL carries its own. */
  REDIS_USERNAME: z.string().optional(),
  REDIS_PASSWORD: z.string().optional(),
  REDIS_TLS: bool(false),
  REDIS_KEY_PREFIX: z.string().default('gcli2api:'),
  REDIS_COMMAND_TIMEOUT_MS: integer(500, 1),
  REDIS_DEGRADED_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
  UPSTREAM_MAX_CONCURRENT: integer(0),
  UPSTREAM_QUEUE_MAX: integer(500),
  UPSTREAM_QUEUE_TIMEOUT_MS: integer(30_000, 1),
  UPSTREAM_RESERVOIR_PER_MINUTE: integer(0),
  LIMITER_CLIENT_TIMEOUT_MS: integer(10_000, 1000),
  METRICS_PORT: integer(9464).pipe(z.number().max(65535)),
  METRICS_HOST: z.string().optional(),
  DRAIN_DELAY_MS: integer(5_000),
  DRAIN_TIMEOUT_MS: integer(30_000),
  SSE_HEARTBEAT_MS: integer(15_000),
  GEMINI_CREDENTIALS_DIR: z.string().optional(),
  CREDENTIAL_MAX_CONCURRENT: integer(0),
  UPSTREAM_MAX_ATTEMPTS: integer(3, 1),
  UPSTREAM_RETRY_BUDGET_MS: integer(20_000, 0),
  UPSTREAM_WAIT_FOR_RESET_MS: integer(3_000, 0),
  COOLDOWN_SERVER_ERROR_MS: integer(10_000, 0),
  ADMIN_API_KEY: z.string().min(8, 'must be at least 8 characters').optional(),
});

export type RawEnv = z.infer<typeof envSchema>;

export interface RedisHost {
  host: string;
  port: number;
}

/** Where Redis is: one server (REDIS_URL), a Sentinel-managed master, or a Redis Cluster. */
export type RedisConnection =
  | { kind: 'single'; url: string }
  | { kind: 'sentinel'; sentinels: RedisHost[]; name: string; sentinelPassword?: string; username?: string; password?: string; tls: boolean }
  | { kind: 'cluster'; nodes: RedisHost[]; username?: string; password?: string; tls: boolean };

export interface ClientKey {
  name: string;
  key: string;
}

export interface GatewayConfig {
  http: { port: number; host: string; maxBodyBytes: number };
  logLevel: RawEnv['LOG_LEVEL'];
  clientAuth: {
    keys: ClientKey[];
    /** True when no key was configured and one was generated at start. */
    generated: boolean;
  };
  google: {
    credentialsJson?: string;
    credentialsDir?: string;
    credentialsFile?: string;
    project?: string;
    codeAssistEndpoint: string;
    codeAssistApiVersion: string;
    oauthTokenUrl: string;
  };
  upstream: {
    connectTimeoutMs: number;
    firstByteTimeoutMs: number;
    idleTimeoutMs: number;
    oauthTimeoutMs: number;
    tokenRefreshMarginMs: number;
    onboardingPollIntervalMs: number;
    onboardingTimeoutMs: number;
  };
  models: { extra: string[] };
  redis?: { connection: RedisConnection; keyPrefix: string; commandTimeoutMs: number; degradedShare: number };
  limiter: {
    /** Cluster-wide cap on in-flight upstream calls; 0 = no cap. */
    maxConcurrent: number;
    /** Per-replica queue bound. */
    queueMax: number;
    queueTimeoutMs: number;
    /** Optional cluster-wide calls per minute; 0 = off. */
    reservoirPerMinute: number;
    /** A replica that stops heartbeating for this long loses its slots. */
    clientTimeoutMs: number;
  };
  metrics: { port: number; host: string };
  drain: { delayMs: number; timeoutMs: number };
  openai: { heartbeatMs: number };
  pool: {
    /** Per replica; 0 = no cap. */
    maxConcurrentPerCredential: number;
    maxAttempts: number;
    retryBudgetMs: number;
    waitForResetMs: number;
    serverErrorCooldownMs: number;
  };
  admin: { key?: string };
  images: { fetchEnabled: boolean; maxBytes: number; timeoutMs: number };
}
