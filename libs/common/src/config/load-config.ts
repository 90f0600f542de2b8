import { randomBytes } from 'node:crypto';
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
  const chosen = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'].filter((name) => Boolean(env[name]?.trim()));
  if (chosen.length > 1) problems.push(`${chosen.join(', ')}: set only one of them (one Redis, a Sentinel-managed one, or a Redis Cluster)`);
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const raw = parsed.data;
  const redisConnection = redisConnectionOf(raw);
  const generated = keys.length === 0;
  return {
    http: { port: raw.PORT, host: raw.HOST, maxBodyBytes: raw.MAX_BODY_BYTES },
    logLevel: raw.LOG_LEVEL,
    clientAuth: { keys: generated ? [{ name: 'default', key: `sk-gw-${randomBytes(24).toString('base64url')}` }] : keys, generated },
    google: {
      credentialsJson: raw.GEMINI_CREDENTIALS,
      credentialsDir: raw.GEMINI_CREDENTIALS_DIR,
      credentialsFile: raw.GOOGLE_APPLICATION_CREDENTIALS,
      project: project || undefined,
      codeAssistEndpoint: raw.CODE_ASSIST_ENDPOINT.replace(/\/+$/, ''),
      codeAssistApiVersion: raw.CODE_ASSIST_API_VERSION,
      oauthTokenUrl: raw.GOOGLE_OAUTH_TOKEN_URL,
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
    models: { extra: (raw.EXTRA_MODELS ?? '').split(',').map((id) => id.trim()).filter(Boolean) },
    images: { fetchEnabled: raw.IMAGE_FETCH_ENABLED, maxBytes: raw.IMAGE_FETCH_MAX_BYTES, timeoutMs: raw.IMAGE_FETCH_TIMEOUT_MS },
    redis: redisConnection ? { connection: redisConnection, keyPrefix: raw.REDIS_KEY_PREFIX, commandTimeoutMs: raw.REDIS_COMMAND_TIMEOUT_MS, degradedShare: raw.REDIS_DEGRADED_SHARE } : undefined,
    limiter: {
      maxConcurrent: raw.UPSTREAM_MAX_CONCURRENT,
      queueMax: raw.UPSTREAM_QUEUE_MAX,
      queueTimeoutMs: raw.UPSTREAM_QUEUE_TIMEOUT_MS,
      reservoirPerMinute: raw.UPSTREAM_RESERVOIR_PER_MINUTE,
      clientTimeoutMs: raw.LIMITER_CLIENT_TIMEOUT_MS,
    },
    metrics: { port: raw.METRICS_PORT, host: raw.METRICS_HOST ?? raw.HOST },
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

/** Empty strings mean "unset" (docker-compose passes `VAR=` for unset host variables). */
function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') result[name] = value;
  }
  return result;
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
