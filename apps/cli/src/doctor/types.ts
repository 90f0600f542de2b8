import type { GatewayConfig } from '@app/common';
import type { FailureCodes } from './checks/failure-explanation';
import type { GatewayClient, GatewayAnswer, GatewayProbe } from './gateway-client';

export type CheckStatus = 'PASS' | 'FAIL' | 'WARN' | 'SKIP';

/** Stable ids: scripts and docs/troubleshooting.md refer to them. */
export type CheckId =
  | 'reachable' | 'health' | 'ready' | 'auth' | 'models' | 'generate-gemini' | 'generate-openai'
  | 'metrics' | 'credentials' | 'project' | 'redis' | 'clock';

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** What was observed (one line). */
  detail: string;
  /** The likely cause (one line), for FAIL and WARN. */
  cause?: string;
  /** What to do (one line), for FAIL and WARN. */
  fix?: string;
  /** The section of docs/troubleshooting.md about it. */
  doc?: string;
  /** Machine-readable extras (per-credential states, counts…); never secrets. */
  data?: Record<string, unknown>;
}

export interface DoctorReport {
  ok: boolean;
  url: string;
  checks: CheckResult[];
}

export interface DoctorOptions {
  /** Gateway base URL (default http://127.0.0.1:$PORT, PORT default 8888). */
  url?: string;
  /** Client key (default GEMINI_AUTH_PASSWORD, else the first GATEWAY_API_KEYS entry). */
  key?: string;
  /** Metrics base URL (default: the gateway's host, port METRICS_PORT or 9464). */
  metricsUrl?: string;
  /** Model for the one-token generations (default gemini-2.5-flash). */
  model?: string;
  /** Per-request timeout in ms (default 30000). */
  timeoutMs?: number;
  /**
   * The environment, parsed once with the gateway's own schema (loadConfig) for the defaults and the local checks
   * (PORT, METRICS_PORT, client keys, credentials, REDIS_URL, GOOGLE_OAUTH_TOKEN_URL). Invalid: ConfigError.
   */
  env: NodeJS.ProcessEnv;
  /** Folder searched for ./oauth_creds.json by the local credentials check (default cwd). */
  cwd?: string;
}

export interface DoctorSettings {
  url: string;
  key?: string;
  keySource: string;
  metricsUrl: string;
  model: string;
  timeoutMs: number;
  /** The gateway's typed config, as the gateway would build it from the same environment. */
  config: GatewayConfig;
  cwd: string;
}

export type Verdict = Omit<CheckResult, 'id' | 'title'>;

/** Findings shared by later checks. */
export interface DoctorContext {
  settings: DoctorSettings;
  gateway: GatewayClient;
  /** Every secret seen (the key, local tokens): scrubbed from the report at the end. */
  secrets: Set<string>;
  reachable: boolean;
  authAccepted: boolean;
  readiness?: { status: number; body?: Record<string, unknown> };
  generation?: { status: number; answer?: GatewayAnswer; codes?: FailureCodes };
  /** The OpenAI generation probe, sent at most once (generate-gemini may need its error code first). */
  openAiProbe?: Promise<GatewayProbe>;
}

export interface Check {
  id: CheckId;
  title: string;
  run(context: DoctorContext): Promise<Verdict>;
}
