import Redis from 'ioredis';
import {
  CredentialFormatError,
  CredentialRevokedError,
  GoogleAuthTokenEndpoint,
  TokenRefreshFailedError,
  credentialSourcesFrom,
  loadGoogleCredentials,
  type GoogleCredential,
  type TokenEndpoint,
} from '@app/auth';
import { createOutboundDispatcher } from '@app/common';
import { describeNetworkError } from '../../net';
import { doc } from '../docs';
import { maskUrl } from '../redact';
import type { Check, DoctorContext, Verdict } from '../types';
import { readinessIndicators } from './gateway';
import { checkBackendCredential } from './backend-credential';

type CredentialState = 'valid' | 'revoked' | 'wrong-client' | 'rejected' | 'error' | 'unreachable';

interface CredentialReport {
  label: string;
  source: string;
  state: CredentialState;
  detail: string;
}

/** One refresh with the gateway's own token endpoint (google-auth-library); the verdict comes from Google's OAuth `error` code. */
async function refreshOnce(credential: GoogleCredential, tokenEndpoint: TokenEndpoint): Promise<CredentialReport> {
  const base = { label: credential.label, source: credential.source };
  try {
    await tokenEndpoint.refresh(credential);
    return { ...base, state: 'valid', detail: 'refresh works' };
  } catch (error) {
    if (error instanceof CredentialRevokedError) {
      if (error.oauthError === 'invalid_client' || error.oauthError === 'unauthorized_client') {
        return { ...base, state: 'wrong-client', detail: `${error.oauthError}: client_id/client_secret do not match the login` };
      }
      return { ...base, state: 'revoked', detail: `revoked (${error.detail})` };
    }
    if (error instanceof TokenRefreshFailedError) {
      if (error.tokenEndpointStatus !== undefined) return { ...base, state: 'error', detail: `HTTP ${error.tokenEndpointStatus}` };
      return { ...base, state: 'unreachable', detail: `token endpoint unreachable (${describeNetworkError(error.cause)})` };
    }
    throw error;
  }
}

export const credentialsCheck: Check = {
  id: 'credentials',
  title: 'Google credentials refresh (local)',
  async run(context) {
    const { config, cwd, timeoutMs } = context.settings;
    const tokenUrl = config.google.oauthTokenUrl;
    let loaded;
    try {
      // The gateway's own loader and precedence (GEMINI_CREDENTIALS + GEMINI_CREDENTIALS_DIR, GOOGLE_APPLICATION_CREDENTIALS, ./oauth_creds.json, ~/.gemini).
      loaded = await loadGoogleCredentials(credentialSourcesFrom(config.google, cwd));
    } catch (error) {
      if (error instanceof CredentialFormatError) {
        return { status: 'FAIL', detail: error.message, cause: 'the credential source is set but unusable (missing file or folder, not JSON, or no refresh_token)', fix: 'run `npx geminicli2api login --out <file>` and point GOOGLE_APPLICATION_CREDENTIALS at that file (or put it in GEMINI_CREDENTIALS_DIR)', doc: doc('no-usable-credential') };
      }
      throw error;
    }
    if (loaded.credentials.length === 0) return { status: 'SKIP', detail: 'no credentials available to doctor here (GEMINI_CREDENTIALS, GEMINI_CREDENTIALS_DIR, GOOGLE_APPLICATION_CREDENTIALS, ./oauth_creds.json, ~/.gemini)' };
    for (const credential of loaded.credentials) {
      for (const secret of [credential.refreshToken, credential.accessToken, credential.apiKey, credential.vertex?.serviceAccount?.privateKey]) if (secret) context.secrets.add(secret);
    }
    // The gateway's transport (proxies, timeouts) and token endpoint, with doctor's per-request timeout.
    const doctorConfig = { ...config, upstream: { ...config.upstream, oauthTimeoutMs: timeoutMs } };
    const dispatcher = createOutboundDispatcher(doctorConfig);
    let reports: CredentialReport[];
    try {
      const tokenEndpoint = new GoogleAuthTokenEndpoint(doctorConfig, dispatcher);
      reports = await Promise.all(loaded.credentials.map(async (credential) => (credential.backend === undefined || credential.backend === 'code_assist'
        ? refreshOnce(credential, tokenEndpoint)
        : { label: credential.label, source: credential.source, ...(await checkBackendCredential(credential, doctorConfig, dispatcher, timeoutMs)) })));
    } finally {
      await dispatcher.close().catch(() => undefined);
    }
    const data = { source: loaded.description, tokenUrl, credentials: reports };
    const summary = reports.map((report) => `${report.label}: ${report.detail}`).join('; ');
    const rejected = reports.filter((report) => report.state === 'rejected');
    if (rejected.length > 0) {
      return {
        status: 'FAIL',
        detail: `${rejected.length}/${reports.length} refused (${loaded.description}): ${summary}`,
        cause: `Google refused ${rejected.map((report) => `"${report.label}"`).join(', ')} itself (an API key that is not valid, a service account without the Vertex AI permission)`,
        fix: 'replace the API key or grant the service account roles/aiplatform.user on the project, then restart (docs/backends.md)',
        doc: doc('no-usable-credential'),
        data,
      };
    }
    const broken = reports.filter((report) => report.state === 'revoked' || report.state === 'wrong-client');
    if (broken.length > 0) {
      return {
        status: 'FAIL',
        detail: `${broken.length}/${reports.length} refused (${loaded.description}): ${summary}`,
        cause: `Google refused the refresh token of ${broken.map((report) => `"${report.label}"`).join(', ')} (revoked, expired, password changed, or another OAuth client)`,
        fix: 'run `npx geminicli2api login` for that account and replace the credential where the gateway reads it, then restart',
        doc: doc('oauth-expired-or-revoked'),
        data,
      };
    }
    if (reports.some((report) => report.state === 'unreachable' || report.state === 'error')) {
      return { status: 'WARN', detail: `could not check every credential (${loaded.description}): ${summary}`, cause: `the token endpoint ${tokenUrl} is unreachable or failing from here`, fix: 'check network access to oauth2.googleapis.com:443 (HTTPS_PROXY/NO_PROXY)', doc: doc('refresh-failures'), data };
    }
    return { status: 'PASS', detail: `${reports.length} valid (${loaded.description}): ${summary}`, data };
  },
};

/** PING with a short timeout; never retries, never queues. */
async function pingRedis(url: string, timeoutMs: number): Promise<{ ok: true; ms: number } | { ok: false; message: string }> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    disconnectTimeout: 200,
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  const started = Date.now();
  try {
    await client.connect();
    const answer = await client.ping();
    if (answer !== 'PONG') return { ok: false, message: `unexpected PING answer ${answer}` };
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    const message = describeNetworkError(lastError ?? error);
    return { ok: false, message };
  } finally {
    // After a failed connect the client has already ended; disconnecting again would arm a 2 s timer for nothing.
    if (client.status !== 'end') client.disconnect();
  }
}

export const redisCheck: Check = {
  id: 'redis',
  title: 'Redis (shared state)',
  async run(context: DoctorContext): Promise<Verdict> {
    // doctor pings a single Redis by URL; Sentinel and Cluster are judged from the gateway's own readiness.
    const connection = context.settings.config.redis?.connection;
    const url = connection?.kind === 'single' ? connection.url : undefined;
    const shared = readinessIndicators(context).sharedState as { status?: string; mode?: string; message?: string } | undefined;
    const gatewayMode = shared?.mode;
    if (!url && (!shared || gatewayMode === 'local')) return { status: 'SKIP', detail: 'no Redis configured: the gateway keeps its state in-process (fine for a single replica)' };
    const parts: string[] = [];
    let local: Awaited<ReturnType<typeof pingRedis>> | undefined;
    if (url) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        return { status: 'FAIL', detail: 'REDIS_URL is not a URL', cause: 'a typo in REDIS_URL', fix: 'use redis://[:password@]host:6379[/db] or rediss:// for TLS', doc: doc('redis-unreachable') };
      }
      if (parsed.password) context.secrets.add(decodeURIComponent(parsed.password));
      local = await pingRedis(url, Math.min(context.settings.timeoutMs, 3000));
      parts.push(local.ok ? `PING ${maskUrl(url)} answered PONG in ${local.ms} ms` : `cannot reach ${maskUrl(url)}: ${local.message}`);
    }
    if (gatewayMode) parts.push(`gateway shared state: ${gatewayMode}`);
    const detail = parts.join('; ');
    const data = { gatewayMode: gatewayMode ?? null, reachableFromHere: local ? local.ok : null };
    if (gatewayMode === 'degraded' || shared?.status === 'down') {
      return { status: 'FAIL', detail, cause: 'the gateway lost Redis: limits and cooldowns are per replica now, tokens are refreshed per replica', fix: 'restore Redis (pod, service, password, NetworkPolicy) at the gateway\'s REDIS_URL; the gateway reconnects by itself', doc: doc('redis-unreachable'), data };
    }
    if (local && !local.ok) {
      return { status: 'FAIL', detail, cause: 'Redis at REDIS_URL does not answer from here (down, wrong host/port/password, TLS mismatch, or firewalled)', fix: 'check the Redis pod/service and the URL (rediss:// for TLS); from inside the cluster: kubectl exec … redis-cli -u "$REDIS_URL" ping', doc: doc('redis-unreachable'), data };
    }
    if (url && gatewayMode === 'local') {
      return { status: 'WARN', detail, cause: 'REDIS_URL is set here but the gateway runs with in-process state', fix: 'set REDIS_URL on the gateway too when it runs more than one replica', doc: doc('redis-unreachable'), data };
    }
    return { status: 'PASS', detail, data };
  },
};
