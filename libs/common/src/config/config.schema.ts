import { z } from 'zod';

/**
 * Every setting the gateway reads, validated once at boot. Units are in the names (`_MS`).
 * Grouped in the typed object below; the env names are the user-facing contract (README table).
 */
const integer = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
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
  /** The public Gemini API, for `gemini_api_key` credentials (tests point it at the emulator). */
  GEMINI_API_ENDPOINT: z.string().url().default('https://generativelanguage.googleapis.com'),
  /** Vertex AI; unset: https://{location}-aiplatform.googleapis.com (`global`: https://aiplatform.googleapis.com). */
  VERTEX_ENDPOINT: z.string().url().optional(),
  GOOGLE_OAUTH_TOKEN_URL: z.string().url().default('https://oauth2.googleapis.com/token'),
  /** Google's consent page; only `geminicli2api login` opens it (tests point it at the emulator). */
  GOOGLE_OAUTH_AUTH_URL: z.string().url().default('https://accounts.google.com/o/oauth2/v2/auth'),
  /** Gemini CLI's home (its login is $GEMINI_CLI_HOME/.gemini/oauth_creds.json); default the OS home. */
  GEMINI_CLI_HOME: z.string().trim().min(1).optional(),
  /** Set by npm when started with `npm start`; shown at GET /. */
  npm_package_version: z.string().optional(),
  UPSTREAM_CONNECT_TIMEOUT_MS: integer(10_000, 1),
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: integer(300_000, 1),
  UPSTREAM_IDLE_TIMEOUT_MS: integer(120_000, 1),
  OAUTH_TIMEOUT_MS: integer(15_000, 1),
  TOKEN_REFRESH_MARGIN_MS: integer(300_000),
  ONBOARDING_POLL_INTERVAL_MS: integer(5_000, 1),
  ONBOARDING_TIMEOUT_MS: integer(120_000, 1),
  MAX_BODY_BYTES: integer(25 * 1024 * 1024, 1024),
  EXTRA_MODELS: z.string().optional(),
  MODEL_ALIASES: z.string().optional(),
  IMAGE_FETCH_ENABLED: bool(false),
  IMAGE_FETCH_MAX_BYTES: integer(10 * 1024 * 1024, 1),
  IMAGE_FETCH_TIMEOUT_MS: integer(10_000, 1),
  CLIENT_KEYS_FILE: z.string().trim().min(1).optional(),
  CLIENT_KEYS_RELOAD_MS: integer(2_000, 100),
  USAGE_RETENTION_DAYS: integer(90, 1),
  MODEL_FALLBACKS: z.string().optional(),
  QUOTA_REFRESH_MS: integer(300_000),
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
  RESPONSES_STORE_TTL_SECONDS: integer(3600, 1).pipe(z.number().max(30 * 24 * 3600)),
  RESPONSES_STORE_MAX_BYTES: integer(4 * 1024 * 1024, 1024),
  ADMIN_API_KEY: z.string().min(8, 'must be at least 8 characters').optional(),
  REQUEST_HEADERS_TIMEOUT_MS: integer(15_000, 1000),
  REQUEST_BODY_TIMEOUT_MS: integer(30_000, 1000),
  REQUEST_BODY_BUDGET_BYTES: integer(0),
  REQUEST_MAX_JSON_DEPTH: integer(100, 8),
  REQUEST_MAX_JSON_NODES: integer(200_000, 100),
  REQUEST_MAX_MESSAGES: integer(10_000, 1),
  REQUEST_MAX_PARTS: integer(20_000, 1),
  IMAGE_FETCH_MAX_PER_REQUEST: integer(8, 1),
  IMAGE_FETCH_MAX_TOTAL_BYTES: integer(20 * 1024 * 1024, 1),
  IMAGE_FETCH_ALLOW_HOSTS: z.string().optional(),
  STREAM_SEND_STALL_MS: integer(30_000, 0),
  SHARED_STATE_ENCRYPTION_KEY: z.string().optional(),
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
  /** The running version (GET /). */
  version: string;
  http: {
    port: number;
    host: string;
    maxBodyBytes: number;
    /** Time to receive a request's headers (Node's headersTimeout). */
    headersTimeoutMs: number;
    /** Time to receive a request's whole body once its headers are in. */
    bodyTimeoutMs: number;
    /** Request body bytes this replica holds at once (0 = a fifth of the V8 heap limit). */
    bodyBudgetBytes: number;
  };
  /** Structural limits on request bodies, checked while parsing (JSON) or right after (schemas). */
  requestLimits: {
    maxJsonDepth: number;
    /** Values of any kind (objects, arrays, strings, numbers, literals) in one body. */
    maxJsonNodes: number;
    /** OpenAI `messages` / Gemini `contents` entries. */
    maxMessages: number;
    /** Content parts across the whole request. */
    maxParts: number;
  };
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
    /** Gemini CLI's home folder (GEMINI_CLI_HOME); the OS home when unset. */
    geminiHome?: string;
    project?: string;
    codeAssistEndpoint: string;
    codeAssistApiVersion: string;
    geminiApiEndpoint: string;
    /** Unset: derived from each credential's location. */
    vertexEndpoint?: string;
    oauthTokenUrl: string;
    /** The consent page `geminicli2api login` opens. */
    oauthAuthUrl: string;
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
  /** `aliases`: MODEL_ALIASES as written (parsed and checked against the catalog at startup). */
  models: { extra: string[]; aliases?: string };
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
  /** Stored Responses (previous_response_id, GET /v1/responses/{id}): how long, and the largest one kept. */
  responses: { storeTtlSeconds: number; storeMaxBytes: number };
  images: {
    fetchEnabled: boolean;
    maxBytes: number;
    timeoutMs: number;
    maxPerRequest: number;
    maxTotalBytes: number;
    /** Test-only escape hatch: host names or IP literals the outbound guard lets through even when private. */
    allowHosts: string[];
  };
  /** Send-stall: a stream whose client stopped reading for this long is ended (0 = off). */
  streamSendStallMs: number;
  /** AES-256-GCM key (32 bytes, base64 or hex) for secrets kept in shared state; unset = plain. */
  sharedStateEncryptionKey?: Buffer;
  team: {
    /** YAML or JSON file of client keys with a policy (limits, models, expiry); re-read while running. */
    keysFile?: string;
    keysReloadMs: number;
    usageRetentionDays: number;
    /** `model=fallback` pairs, used when every account is cooling for a model. */
    modelFallbacks: Array<{ from: string; to: string }>;
    /** How often each account's upstream quota is read (0 = never). */
    quotaRefreshMs: number;
  };
}
