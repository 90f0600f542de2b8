import { doc } from '../docs';
import { short, type GatewayProbe } from '../gateway-client';
import { mask } from '../redact';
import type { Check, DoctorContext, Verdict } from '../types';

const notReachable: Verdict = { status: 'SKIP', detail: 'skipped: the gateway is not reachable' };
const notAuthenticated: Verdict = { status: 'SKIP', detail: 'skipped: no accepted client key' };

function unreachableVerdict(context: DoctorContext, probe: Extract<GatewayProbe, { ok: false }>): Verdict {
  const target = new URL(context.settings.url);
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  switch (probe.code) {
    case 'ECONNREFUSED':
      return {
        status: 'FAIL',
        detail: `nothing listens on ${target.hostname}:${port} (connection refused)`,
        cause: 'the gateway is not running, listens on another PORT, or its container port is not published',
        fix: 'start it (npm start / docker compose up -d); check PORT (default 8888) and the ports: mapping, or pass --url',
        doc: doc('port-in-use'),
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { status: 'FAIL', detail: `cannot resolve ${target.hostname} (${probe.code})`, cause: 'wrong host name in --url, or no DNS for it from here', fix: 'pass --url with a host this machine can resolve (inside Kubernetes: http://<service>.<namespace>:8888)', doc: doc('port-in-use') };
    case 'TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { status: 'FAIL', detail: `${target.host} did not answer within ${context.settings.timeoutMs} ms`, cause: 'a firewall or security group drops the traffic, or the process is frozen', fix: 'check firewall/NetworkPolicy rules for the port; restart the gateway if it is stuck', doc: doc('port-in-use') };
    case 'ECONNRESET':
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return { status: 'FAIL', detail: `the connection to ${target.host} broke (${probe.message})`, cause: 'http vs https mismatch, or a proxy in front cut the connection', fix: 'use http:// for the gateway itself (TLS ends at the ingress), https:// for the ingress host', doc: doc('port-in-use') };
    default:
      return { status: 'FAIL', detail: `cannot reach ${context.settings.url}: ${probe.message}`, cause: 'the gateway is not running or not reachable from here', fix: 'start it, or pass --url with an address reachable from this machine', doc: doc('port-in-use') };
  }
}

export const reachableCheck: Check = {
  id: 'reachable',
  title: 'Gateway reachable',
  async run(context) {
    const probe = await context.gateway.request('/');
    if (!probe.ok) return unreachableVerdict(context, probe);
    context.reachable = true;
    const { answer } = probe;
    const name = answer.json?.name;
    if (name !== 'geminicli2api') {
      return {
        status: 'WARN',
        detail: `something answers at ${context.settings.url} (HTTP ${answer.status}), but it does not say it is geminicli2api`,
        cause: 'another program holds the port, or a proxy in front answers instead of the gateway',
        fix: 'find the owner (ss -ltnp | grep :PORT / lsof -i :PORT) and move one of them (PORT=…), or pass the right --url',
        doc: doc('port-in-use'),
      };
    }
    const version = typeof answer.json?.version === 'string' ? ` ${answer.json.version}` : '';
    return { status: 'PASS', detail: `geminicli2api${version} answers at ${context.settings.url} (${answer.elapsedMs} ms)` };
  },
};

export const healthCheck: Check = {
  id: 'health',
  title: 'GET /health',
  async run(context) {
    if (!context.reachable) return notReachable;
    const probe = await context.gateway.request('/health');
    if (!probe.ok) return { status: 'FAIL', detail: `/health did not answer: ${probe.message}`, cause: 'the process is overloaded or stuck', fix: 'look at the gateway logs and restart it', doc: doc('container-restarts') };
    const { answer } = probe;
    if (answer.status === 200 && answer.json?.status === 'healthy') return { status: 'PASS', detail: `{"status":"healthy"} in ${answer.elapsedMs} ms` };
    return { status: 'FAIL', detail: `/health answered HTTP ${answer.status}: ${short(answer.text, 120)}`, cause: 'not a geminicli2api gateway, or a proxy rewrites the path', fix: 'point --url at the gateway itself (or the ingress that routes /health to it)', doc: doc('container-restarts') };
  },
};

interface Indicator {
  status?: string;
  usable?: number;
  total?: number;
  mode?: string;
  message?: string;
}

export function readinessIndicatorsOf(body: Record<string, unknown> | undefined): Record<string, Indicator> {
  const details = (body?.details ?? { ...(body?.info as object | undefined), ...(body?.error as object | undefined) }) as Record<string, Indicator> | undefined;
  return details && typeof details === 'object' ? details : {};
}

export function readinessIndicators(context: DoctorContext): Record<string, Indicator> {
  return readinessIndicatorsOf(context.readiness?.body);
}

export const readyCheck: Check = {
  id: 'ready',
  title: 'GET /health/ready',
  async run(context) {
    if (!context.reachable) return notReachable;
    const probe = await context.gateway.request('/health/ready');
    if (!probe.ok) return { status: 'FAIL', detail: `/health/ready did not answer: ${probe.message}`, cause: 'the process is overloaded or stuck', fix: 'look at the gateway logs and restart it', doc: doc('container-restarts') };
    const { answer } = probe;
    context.readiness = { status: answer.status, body: answer.json };
    const indicators = readinessIndicatorsOf(answer.json);
    const summary = describeIndicators(indicators);
    if (answer.status === 200) return { status: 'PASS', detail: `ready${summary ? `: ${summary}` : ''}`, data: { indicators } };
    if (answer.status === 404) return { status: 'WARN', detail: 'no /health/ready on this build', cause: 'an older gateway build without the readiness probe', fix: 'upgrade the gateway image' };
    if (answer.status !== 503) return { status: 'FAIL', detail: `/health/ready answered HTTP ${answer.status}: ${short(answer.text, 120)}`, cause: 'unexpected answer', fix: 'look at the gateway logs', doc: doc('container-restarts') };
    return { ...explainNotReady(indicators), data: { indicators } };
  },
};

function describeIndicators(indicators: Record<string, Indicator>): string {
  const parts: string[] = [];
  const credentials = indicators.credentials;
  if (credentials && credentials.total !== undefined) parts.push(`credentials ${credentials.usable ?? '?'}/${credentials.total} usable`);
  if (indicators.lifecycle?.status === 'down') parts.push('draining');
  if (indicators.sharedState?.mode) parts.push(`shared state ${indicators.sharedState.mode}`);
  return parts.join(', ');
}

function explainNotReady(indicators: Record<string, Indicator>): Verdict {
  const details: string[] = [];
  const causes: string[] = [];
  const fixes: string[] = [];
  let anchor = doc('no-usable-credential');
  if (indicators.lifecycle?.status === 'down') {
    details.push('draining (shutting down)');
    causes.push('the replica got SIGTERM (rollout, scale-down, node drain) and finishes its open requests');
    fixes.push('wait for the new replica; if pods keep stopping, check `kubectl describe pod` (OOMKilled, failing liveness probe)');
    anchor = doc('drain-on-rollout');
  }
  const credentials = indicators.credentials;
  if (credentials?.status === 'down') {
    if (!credentials.total) {
      details.push('no Google credential loaded');
      causes.push('neither GEMINI_CREDENTIALS nor GOOGLE_APPLICATION_CREDENTIALS (nor ./oauth_creds.json, ~/.gemini/oauth_creds.json) was found by the gateway');
      fixes.push('run `npx geminicli2api login`, set GOOGLE_APPLICATION_CREDENTIALS (or the Helm google.existingSecret) and restart');
      anchor = doc('no-usable-credential');
    } else {
      details.push(`credentials ${credentials.usable ?? 0}/${credentials.total} usable`);
      causes.push('Google refused every refresh token (invalid_grant: revoked, password changed, or expired)');
      fixes.push('run `npx geminicli2api login` for each account and replace the credential (Secret), then restart');
      anchor = doc('oauth-expired-or-revoked');
    }
  }
  const shared = indicators.sharedState;
  if (shared && (shared.status === 'down' || shared.mode === 'degraded')) {
    details.push(`shared state ${shared.mode ?? 'down'}`);
    causes.push('Redis (REDIS_URL) is unreachable from the gateway');
    fixes.push('check REDIS_URL, the Redis pod/service and NetworkPolicy; see the redis check below');
    anchor = doc('redis-unreachable');
  }
  if (details.length === 0) {
    const down = Object.entries(indicators).filter(([, indicator]) => indicator.status === 'down').map(([name, indicator]) => `${name}${indicator.message ? ` (${indicator.message})` : ''}`);
    return { status: 'FAIL', detail: `not ready (HTTP 503)${down.length ? `: ${down.join(', ')}` : ''}`, cause: 'a readiness indicator is down', fix: 'look at the gateway logs for the indicator named above', doc: anchor };
  }
  return { status: 'FAIL', detail: `not ready (HTTP 503): ${details.join('; ')}`, cause: causes.join('; '), fix: fixes.join('; '), doc: anchor };
}

export const authCheck: Check = {
  id: 'auth',
  title: 'Client key accepted',
  async run(context) {
    if (!context.reachable) return notReachable;
    const { key, keySource } = context.settings;
    if (!key) {
      return {
        status: 'FAIL',
        detail: 'no client key to test with',
        cause: 'neither --key nor GEMINI_AUTH_PASSWORD / GATEWAY_API_KEYS is set where doctor runs',
        fix: 'pass --key <key> (the gateway prints a generated key at start when none is configured)',
        doc: doc('401-unauthorized'),
      };
    }
    const masked = mask(key);
    const probe = await context.gateway.request('/v1beta/models', { auth: 'bearer' });
    if (!probe.ok) return { status: 'FAIL', detail: `GET /v1beta/models did not answer: ${probe.message}`, cause: 'the gateway is overloaded or stuck', fix: 'look at the gateway logs', doc: doc('instability-under-load') };
    const status = probe.answer.status;
    if (status === 200) {
      context.authAccepted = true;
      return { status: 'PASS', detail: `key ${masked} (from ${keySource}) accepted as Authorization: Bearer` };
    }
    if (status === 401) {
      const alternative = await context.gateway.request('/v1beta/models', { auth: 'goog-api-key' });
      if (alternative.ok && alternative.answer.status === 200) {
        context.authAccepted = true;
        return {
          status: 'WARN',
          detail: `key ${masked} rejected as Authorization: Bearer but accepted as x-goog-api-key`,
          cause: 'something in front of the gateway strips or replaces the Authorization header (basic-auth on the ingress, an auth proxy)',
          fix: 'let the Authorization header through to the gateway, or have clients send x-goog-api-key / ?key=',
          doc: doc('401-unauthorized'),
        };
      }
      return {
        status: 'FAIL',
        detail: `the gateway rejected key ${masked} (from ${keySource}) with HTTP 401`,
        cause: 'the key is not one of the gateway\'s: GEMINI_AUTH_PASSWORD / GATEWAY_API_KEYS differ where the gateway runs (its env, .env in its working dir, or the Helm Secret)',
        fix: 'send the key as Authorization: Bearer <key>, Basic (any user, key as password), x-goog-api-key: <key> or ?key=<key>; set it on the gateway with GEMINI_AUTH_PASSWORD=<key> or GATEWAY_API_KEYS=name:<key> and restart',
        doc: doc('401-unauthorized'),
      };
    }
    if (status === 404) return { status: 'FAIL', detail: 'GET /v1beta/models answered 404', cause: 'not a geminicli2api gateway at this URL, or the ingress does not route /v1beta', fix: 'point --url at the gateway, route /v1beta and /v1 to it', doc: doc('port-in-use') };
    return { status: 'FAIL', detail: `GET /v1beta/models answered HTTP ${status}: ${short(probe.answer.text, 120)}`, cause: 'unexpected answer from the gateway', fix: 'look at the gateway logs', doc: doc('high-error-rate') };
  },
};

export const modelsCheck: Check = {
  id: 'models',
  title: 'Models listed',
  async run(context) {
    if (!context.reachable) return notReachable;
    if (!context.authAccepted) return notAuthenticated;
    const model = context.settings.model;
    const gemini = await context.gateway.request('/v1beta/models?pageSize=1000', { auth: 'bearer' });
    if (!gemini.ok || gemini.answer.status !== 200) {
      return { status: 'FAIL', detail: `GET /v1beta/models failed: ${gemini.ok ? `HTTP ${gemini.answer.status}` : gemini.message}`, cause: 'the gateway could not build its model list', fix: 'look at the gateway logs (EXTRA_MODELS syntax?)', doc: doc('model-not-found') };
    }
    const listed = Array.isArray(gemini.answer.json?.models) ? (gemini.answer.json.models as Array<{ name?: unknown }>) : [];
    const ids = listed.map((entry) => String(entry.name ?? '').replace(/^models\//, '')).filter(Boolean);
    const openai = await context.gateway.request('/v1/models', { auth: 'bearer' });
    const openaiCount = openai.ok && openai.answer.status === 200 && Array.isArray(openai.answer.json?.data) ? (openai.answer.json.data as unknown[]).length : undefined;
    const data = { gemini: ids.length, openai: openaiCount ?? null };
    if (ids.length === 0) return { status: 'FAIL', detail: 'GET /v1beta/models listed no models', cause: 'an empty model catalog', fix: 'check EXTRA_MODELS and the gateway version', doc: doc('model-not-found'), data };
    if (!ids.includes(model)) {
      return { status: 'WARN', detail: `${ids.length} models listed, but not ${model}`, cause: `${model} is not in this gateway's catalog (retired, or a typo)`, fix: `use one of: ${ids.slice(0, 6).join(', ')}${ids.length > 6 ? ', …' : ''} (doctor: --model), or add it with EXTRA_MODELS`, doc: doc('model-not-found'), data };
    }
    if (openaiCount === undefined) {
      const why = openai.ok ? `HTTP ${openai.answer.status}` : openai.message;
      return { status: 'WARN', detail: `${ids.length} models on /v1beta/models; /v1/models unavailable (${why})`, cause: openai.ok && openai.answer.status === 404 ? 'an older build without the OpenAI surface' : 'the OpenAI model list failed', fix: 'upgrade the gateway image if OpenAI clients need /v1/models', data };
    }
    return { status: 'PASS', detail: `${ids.length} models on /v1beta/models, ${openaiCount} on /v1/models (${model} included)`, data };
  },
};
