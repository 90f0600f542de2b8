import { randomBytes } from 'node:crypto';
import { ModelAliasError, ModelCatalog, parseModelAliases } from '@app/translation';
import { envSchema, type ClientKey, type GatewayConfig, type RawEnv, type RedisConnection, type RedisHost } from './config.schema';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Builds the typed config from an environment map. Collects every problem and throws them all
 * at once, so a bad deployment is fixed in one round instead of one variable per restart.
 */
export function loadConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const parsed = envSchema.safeParse(stripEmpty(env));
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.')}: ${issue.message}`);
    }
  }
  const keys = parseClientKeys(env, problems);
  const project = (env.GOOGLE_CLOUD_PROJECT || env.GOOGLE_CLOUD_PROJECT_ID)?.trim();
  if (project && /^\d+$/.test(project)) {
    problems.push('GOOGLE_CLOUD_PROJECT: looks like a project number; Code Assist needs the project id (e.g. my-project-123)');
  }
  const modelFallbacks = parsePairs(env.MODEL_FALLBACKS ?? '', 'MODEL_FALLBACKS', problems);
  const aliasProblem = modelAliasProblem(env.MODEL_ALIASES, env.EXTRA_MODELS);
  if (aliasProblem) problems.push(`MODEL_ALIASES: ${aliasProblem}`);
  const chosen = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'].filter((name) => Boolean(env[name]?.trim()));
  if (chosen.length > 1) problems.push(`${chosen.join(', ')}: set only one of them (one Redis, a Sentinel-managed one, or a Redis Cluster)`);
  if (chosen.length > 0 && keys.length === 0 && !env.CLIENT_KEYS_FILE?.trim() && !problems.some((problem) => problem.startsWith('GATEWAY_API_KEYS'))) {
    // Each replica would generate its own random key: through a load balancer one key works on a third of requests.
    problems.push(`GEMINI_AUTH_PASSWORD: set it (or GATEWAY_API_KEYS) when ${chosen[0]} is set; replicas cannot agree on a generated client key`);
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const raw = parsed.data;
  const encryptionKey = encryptionKeyOf(raw.SHARED_STATE_ENCRYPTION_KEY, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const redisConnection = redisConnectionOf(raw);
  // With a keys file, its keys authenticate: no random key is generated.
  const generated = keys.length === 0 && !raw.CLIENT_KEYS_FILE;
  return {
    version: raw.npm_package_version ?? '0.1.0',
    http: { port: raw.PORT, host: raw.HOST, maxBodyBytes: raw.MAX_BODY_BYTES, headersTimeoutMs: raw.REQUEST_HEADERS_TIMEOUT_MS, bodyTimeoutMs: raw.REQUEST_BODY_TIMEOUT_MS, bodyBudgetBytes: raw.REQUEST_BODY_BUDGET_BYTES },
    requestLimits: { maxJsonDepth: raw.REQUEST_MAX_JSON_DEPTH, maxJsonNodes: raw.REQUEST_MAX_JSON_NODES, maxMessages: raw.REQUEST_MAX_MESSAGES, maxParts: raw.REQUEST_MAX_PARTS },
    logLevel: raw.LOG_LEVEL,
    clientAuth: { keys: generated ? [{ name: 'default', key: `sk-gw-${randomBytes(24).toString('base64url')}` }] : keys, generated },
    google: {
      credentialsJson: raw.GEMINI_CREDENTIALS,
      credentialsDir: raw.GEMINI_CREDENTIALS_DIR,
      credentialsFile: raw.GOOGLE_APPLICATION_CREDENTIALS,
      geminiHome: raw.GEMINI_CLI_HOME,
      project: project || undefined,
      codeAssistEndpoint: raw.CODE_ASSIST_ENDPOINT.replace(/\/+$/, ''),
      codeAssistApiVersion: raw.CODE_ASSIST_API_VERSION,
      geminiApiEndpoint: raw.GEMINI_API_ENDPOINT.replace(/\/+$/, ''),
      vertexEndpoint: raw.VERTEX_ENDPOINT?.replace(/\/+$/, ''),
      oauthTokenUrl: raw.GOOGLE_OAUTH_TOKEN_URL,
      oauthAuthUrl: raw.GOOGLE_OAUTH_AUTH_URL,
    },
    upstream: {
      connectTimeoutMs: raw.UPSTREAM_CONNECT_TIMEOUT_MS,
      firstByteTimeoutMs: raw.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
      idleTimeoutMs: raw.UPSTREAM_IDLE_TIMEOUT_MS,
      oauthTimeoutMs: raw.OAUTH_TIMEOUT_MS,
      tokenRefreshMarginMs: raw.TOKEN_REFRESH_MARGIN_MS,
      onboardingPollIntervalMs: raw.ONBOARDING_POLL_INTERVAL_MS,
      onboardingTimeoutMs: raw.ONBOARDING_TIMEOUT_MS,
    },
    models: { extra: modelIds(raw.EXTRA_MODELS), ...(raw.MODEL_ALIASES ? { aliases: raw.MODEL_ALIASES } : {}) },
    images: {
      fetchEnabled: raw.IMAGE_FETCH_ENABLED,
      maxBytes: raw.IMAGE_FETCH_MAX_BYTES,
      timeoutMs: raw.IMAGE_FETCH_TIMEOUT_MS,
      maxPerRequest: raw.IMAGE_FETCH_MAX_PER_REQUEST,
      maxTotalBytes: raw.IMAGE_FETCH_MAX_TOTAL_BYTES,
      allowHosts: (raw.IMAGE_FETCH_ALLOW_HOSTS ?? '').split(',').map((host) => host.trim().toLowerCase()).filter(Boolean),
    },
    streamSendStallMs: raw.STREAM_SEND_STALL_MS,
    sharedStateEncryptionKey: encryptionKey,
    team: {
      keysFile: raw.CLIENT_KEYS_FILE,
      keysReloadMs: raw.CLIENT_KEYS_RELOAD_MS,
      usageRetentionDays: raw.USAGE_RETENTION_DAYS,
      modelFallbacks,
      quotaRefreshMs: raw.QUOTA_REFRESH_MS,
    },
    redis: redisConnection ? { connection: redisConnection, keyPrefix: raw.REDIS_KEY_PREFIX, commandTimeoutMs: raw.REDIS_COMMAND_TIMEOUT_MS, degradedShare: raw.REDIS_DEGRADED_SHARE } : undefined,
    limiter: {
      maxConcurrent: raw.UPSTREAM_MAX_CONCURRENT,
      queueMax: raw.UPSTREAM_QUEUE_MAX,
      queueTimeoutMs: raw.UPSTREAM_QUEUE_TIMEOUT_MS,
      reservoirPerMinute: raw.UPSTREAM_RESERVOIR_PER_MINUTE,
      clientTimeoutMs: raw.LIMITER_CLIENT_TIMEOUT_MS,
    },
    // The metrics listener has no authentication: loopback unless METRICS_HOST says otherwise (the
    // container image and the chart set 0.0.0.0, where a scraper must reach the pod).
    metrics: { port: raw.METRICS_PORT, host: raw.METRICS_HOST ?? '127.0.0.1' },
    drain: { delayMs: raw.DRAIN_DELAY_MS, timeoutMs: raw.DRAIN_TIMEOUT_MS },
    openai: { heartbeatMs: raw.SSE_HEARTBEAT_MS },
    pool: {
      maxConcurrentPerCredential: raw.CREDENTIAL_MAX_CONCURRENT,
      maxAttempts: raw.UPSTREAM_MAX_ATTEMPTS,
      retryBudgetMs: raw.UPSTREAM_RETRY_BUDGET_MS,
      waitForResetMs: raw.UPSTREAM_WAIT_FOR_RESET_MS,
      serverErrorCooldownMs: raw.COOLDOWN_SERVER_ERROR_MS,
    },
    admin: { key: raw.ADMIN_API_KEY },
    responses: { storeTtlSeconds: raw.RESPONSES_STORE_TTL_SECONDS, storeMaxBytes: raw.RESPONSES_STORE_MAX_BYTES },
  };
}

/** `GATEWAY_API_KEYS=alice:sk-1,bob:sk-2` plus the original's single `GEMINI_AUTH_PASSWORD` (named `default`). */
function parseClientKeys(env: NodeJS.ProcessEnv, problems: string[]): ClientKey[] {
  const keys: ClientKey[] = [];
  const password = env.GEMINI_AUTH_PASSWORD?.trim();
  if (password) keys.push({ name: 'default', key: password });
  const list = env.GATEWAY_API_KEYS?.trim();
  if (list) {
    list.split(',').map((pair) => pair.trim()).filter(Boolean).forEach((pair, position) => {
      const separator = pair.indexOf(':');
      const name = separator > 0 ? pair.slice(0, separator).trim() : '';
      const key = separator > 0 ? pair.slice(separator + 1).trim() : '';
      if (!name || !key) {
        problems.push(`GATEWAY_API_KEYS: entry ${position + 1} must be name:key`);
      } else if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
        problems.push(`GATEWAY_API_KEYS: entry ${position + 1} has a name with characters outside [A-Za-z0-9_.-]`);
      } else if (keys.some((existing) => existing.name === name)) {
        problems.push(`GATEWAY_API_KEYS: the name "${name}" is used twice`);
      } else {
        keys.push({ name, key });
      }
    });
  }
  return keys;
}

/** 32 bytes, given as 64 hex characters or as base64 (44 characters with padding). */
function encryptionKeyOf(value: string | undefined, problems: string[]): Buffer | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) {
    problems.push('SHARED_STATE_ENCRYPTION_KEY: must be 32 random bytes, as 64 hex characters or base64 (e.g. `openssl rand -base64 32`)');
    return undefined;
  }
  return key;
}

/** Empty strings mean "unset" (docker-compose passes `VAR=` for unset host variables). */
function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') result[name] = value;
  }
  return result;
}

/** `a=b,c=d` → pairs; a malformed item is reported, not ignored. */
function parsePairs(value: string, name: string, problems: string[]): Array<{ from: string; to: string }> {
  const pairs: Array<{ from: string; to: string }> = [];
  for (const item of value.split(',').map((entry) => entry.trim()).filter(Boolean)) {
    const [from, to, extra] = item.split('=').map((part) => part.trim());
    if (!from || !to || extra !== undefined) problems.push(`${name}: "${item}" is not model=fallback`);
    else pairs.push({ from, to });
  }
  return pairs;
}

const modelIds = (list: string | undefined): string[] => (list ?? '').split(',').map((id) => id.trim()).filter(Boolean);

/** MODEL_ALIASES must parse and every target must be a catalog model (EXTRA_MODELS included). */
function modelAliasProblem(setting: string | undefined, extraModels: string | undefined): string | undefined {
  try {
    new ModelCatalog(modelIds(extraModels), parseModelAliases(setting));
    return undefined;
  } catch (error) {
    if (error instanceof ModelAliasError) return error.message;
    throw error;
  }
}

function hostList(text: string): RedisHost[] {
  return text.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    const colon = entry.lastIndexOf(':');
    return { host: entry.slice(0, colon), port: Number(entry.slice(colon + 1)) };
  });
}

function redisConnectionOf(raw: RawEnv): RedisConnection | undefined {
  const credentials = { username: raw.REDIS_USERNAME, password: raw.REDIS_PASSWORD, tls: raw.REDIS_TLS };
  if (raw.REDIS_SENTINELS) return { kind: 'sentinel', sentinels: hostList(raw.REDIS_SENTINELS), name: raw.REDIS_SENTINEL_NAME, sentinelPassword: raw.REDIS_SENTINEL_PASSWORD, ...credentials };
  if (raw.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: hostList(raw.REDIS_CLUSTER_NODES), ...credentials };
  return raw.REDIS_URL ? { kind: 'single', url: raw.REDIS_URL } : undefined;
}
