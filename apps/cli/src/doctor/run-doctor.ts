import { authCheck, healthCheck, modelsCheck, readyCheck, reachableCheck } from './checks/gateway';
import { generateGeminiCheck, generateOpenAiCheck, projectCheck } from './checks/generation';
import { credentialsCheck, redisCheck } from './checks/local';
import { clockCheck, metricsCheck } from './checks/observability';
import { GatewayClient } from './gateway-client';
import { scrubReport } from './redact';
import type { Check, CheckResult, DoctorContext, DoctorOptions, DoctorReport, DoctorSettings } from './types';

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** The checklist, in order. Later checks read what earlier ones found (reachability, key, readiness body). */
export const CHECKS: readonly Check[] = [
  reachableCheck,
  healthCheck,
  readyCheck,
  authCheck,
  modelsCheck,
  generateGeminiCheck,
  generateOpenAiCheck,
  metricsCheck,
  credentialsCheck,
  projectCheck,
  redisCheck,
  clockCheck,
];

export function resolveDoctorSettings(options: DoctorOptions): DoctorSettings {
  const env = options.env ?? process.env;
  const url = (options.url ?? `http://127.0.0.1:${env.PORT?.trim() || '8888'}`).replace(/\/+$/, '');
  const { key, keySource } = resolveKey(options.key, env);
  let metricsUrl = options.metricsUrl;
  if (!metricsUrl) {
    const gateway = new URL(url);
    metricsUrl = `${gateway.protocol}//${gateway.hostname.includes(':') ? `[${gateway.hostname}]` : gateway.hostname}:${env.METRICS_PORT?.trim() || '9464'}`;
  }
  return {
    url,
    key,
    keySource,
    metricsUrl,
    model: options.model ?? 'gemini-2.5-flash',
    timeoutMs: options.timeoutMs ?? 30_000,
    env,
    cwd: options.cwd ?? process.cwd(),
    tokenUrl: env.GOOGLE_OAUTH_TOKEN_URL?.trim() || GOOGLE_TOKEN_URL,
  };
}

function resolveKey(explicit: string | undefined, env: NodeJS.ProcessEnv): { key?: string; keySource: string } {
  if (explicit) return { key: explicit, keySource: '--key' };
  const password = env.GEMINI_AUTH_PASSWORD?.trim();
  if (password) return { key: password, keySource: 'GEMINI_AUTH_PASSWORD' };
  const first = env.GATEWAY_API_KEYS?.split(',').map((entry) => entry.trim()).find((entry) => entry.indexOf(':') > 0);
  if (first) {
    const separator = first.indexOf(':');
    return { key: first.slice(separator + 1).trim(), keySource: `GATEWAY_API_KEYS (${first.slice(0, separator).trim()})` };
  }
  return { keySource: 'nowhere' };
}

/**
 * `geminicli2api doctor`: walks the checklist against a running gateway (and the local credentials/Redis)
 * and returns a report with a cause and a fix for every failure. Never contains a secret.
 */
export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const settings = resolveDoctorSettings(options);
  const context: DoctorContext = {
    settings,
    gateway: new GatewayClient(settings.url, settings.key, settings.timeoutMs),
    secrets: new Set(settings.key ? [settings.key] : []),
    reachable: false,
    authAccepted: false,
  };
  const checks: CheckResult[] = [];
  for (const check of CHECKS) {
    try {
      const verdict = await check.run(context);
      checks.push({ id: check.id, title: check.title, ...verdict });
    } catch (error) {
      checks.push({ id: check.id, title: check.title, status: 'FAIL', detail: `doctor could not run this check: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return scrubReport({ ok: checks.every((check) => check.status !== 'FAIL'), url: settings.url, checks }, context.secrets);
}
