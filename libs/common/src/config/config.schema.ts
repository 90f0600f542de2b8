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
});

export type RawEnv = z.infer<typeof envSchema>;

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
  images: { fetchEnabled: boolean; maxBytes: number; timeoutMs: number };
}
