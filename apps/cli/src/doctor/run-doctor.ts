import { loadConfig, type GatewayConfig } from '@app/common';
import { authCheck, healthCheck, modelsCheck, readyCheck, reachableCheck } from './checks/gateway';
import { generateGeminiCheck, generateOpenAiCheck, projectCheck } from './checks/generation';
import { credentialsCheck, redisCheck } from './checks/local';
import { clockCheck, metricsCheck } from './checks/observability';
import { GatewayClient } from './gateway-client';
import { scrubReport } from './redact';
import type { Check, CheckResult, DoctorContext, DoctorOptions, DoctorReport, DoctorSettings } from './types';

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
  const config = loadConfig(options.env);
  const url = (options.url ?? `http://127.0.0.1:${config.http.port}`).replace(/\/+$/, '');
  const { key, keySource } = resolveKey(options.key, config);
  let metricsUrl = options.metricsUrl;
  if (!metricsUrl) {
    const gateway = new URL(url);
    metricsUrl = `${gateway.protocol}//${gateway.hostname.includes(':') ? `[${gateway.hostname}]` : gateway.hostname}:${config.metrics.port}`;
  }
  return {
    url,
    key,
    keySource,
    metricsUrl,
    model: options.model ?? 'gemini-2.5-flash',
    timeoutMs: options.timeoutMs ?? 30_000,
    config,
    cwd: options.cwd ?? process.cwd(),
  };
}

/** --key, else the key the gateway itself would accept first (GEMINI_AUTH_PASSWORD, then GATEWAY_API_KEYS). */
function resolveKey(explicit: string | undefined, config: GatewayConfig): { key?: string; keySource: string } {
  if (explicit) return { key: explicit, keySource: '--key' };
  // A generated key exists only inside the gateway process that printed it.
  if (config.clientAuth.generated) return { keySource: 'nowhere' };
  const first = config.clientAuth.keys[0];
  if (!first) return { keySource: 'nowhere' };
  return { key: first.key, keySource: first.name === 'default' ? 'GEMINI_AUTH_PASSWORD' : `GATEWAY_API_KEYS (${first.name})` };
}

/**
 * `geminicli2api doctor`: walks the checklist against a running gateway (and the local credentials/Redis)
 * and returns a report with a cause and a fix for every failure. Never contains a secret.
 */
export async function runDoctor(input: DoctorOptions | DoctorSettings): Promise<DoctorReport> {
  const settings = 'config' in input ? input : resolveDoctorSettings(input);
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
