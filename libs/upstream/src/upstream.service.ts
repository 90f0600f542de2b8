import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GATEWAY_CONFIG, GatewayError, GatewayMetrics, ServiceUnavailableError, UpstreamError, UpstreamTimeoutError, UpstreamUnreachableError,
  currentRequest, type GatewayConfig,
} from '@app/common';
import { AccessTokenService, CredentialPool, type Cooldown, type GoogleCredential, type PickResult } from '@app/auth';
import {
  buildCountTokensEnvelope, buildGenerateEnvelope, unwrapGenerateResponse,
  type CodeAssistGenerateResponse, type GeminiContent, type GenerateContentRequest, type GenerateContentResponse,
} from '@app/translation';
import { CodeAssistHttp, type UpstreamCall, type UpstreamResponse } from './code-assist-http';
import { assessFailure } from './failover';
import { classifyGoogleError, parseGoogleErrorBody, type ErrorClass } from './google-errors';
import { UpstreamLimiter, type LimiterSlot } from './limiter/upstream-limiter';
import { ValidationRequiredError } from './onboarding-errors';
import { ProjectService } from './project.service';
import { readJsonEvents } from './sse-reader';

export interface GenerateInput {
  /** Upstream model id (no `models/`, no variant suffix). */
  model: string;
  request: GenerateContentRequest;
  signal?: AbortSignal;
}

const METRIC_CLASS: Record<ErrorClass, string> = {
  'rate-limited': 'rate_limited', 'daily-quota': 'daily_quota', capacity: 'capacity', auth: 'auth', 'validation-required': 'validation_required',
  'not-found': 'invalid_request', permission: 'other', 'invalid-request': 'invalid_request', server: 'server', other: 'other',
};

interface UpstreamTimer {
  firstByte(): void;
  done(outcome: 'ok' | 'error', error?: unknown): void;
}

interface AcceptedCall {
  response: UpstreamResponse;
  /** Frees the account's in-flight count. */
  release(): void;
}

/**
 * Every call to Google goes through here: limiter slot → account from the pool → access token →
 * project → HTTP call. A 401 refreshes the token once and retries once. Before Google accepted
 * the call (the first byte), a failure that another account could avoid (rate limit, quota,
 * capacity, 5xx, a revoked or unverified account, a network error) cools or disables the account
 * for every replica and the call moves to another account, bounded in attempts and time. When every
 * account is cooling, it waits briefly if the earliest reset is near, else answers 429 with
 * Retry-After = the earliest reset and Google's own reason.
 */
@Injectable()
export class UpstreamService {
  private readonly logger = new Logger('upstream');

  constructor(
    private readonly http: CodeAssistHttp,
    private readonly pool: CredentialPool,
    private readonly tokens: AccessTokenService,
    private readonly projects: ProjectService,
    private readonly limiter: UpstreamLimiter,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async generate(input: GenerateInput): Promise<GenerateContentResponse> {
    const slot = await this.limiter.acquire(input.signal);
    const timer = this.startTimer(input.model, 'generateContent');
    let accepted: AcceptedCall | undefined;
    try {
      accepted = await this.callWithFailover('generateContent', input);
      timer.firstByte();
      const wrapper = (await accepted.response.body.json()) as CodeAssistGenerateResponse;
      timer.done('ok');
      return unwrapGenerateResponse(wrapper);
    } catch (error) {
      timer.done('error', error);
      throw error;
    } finally {
      accepted?.release();
      slot.release();
    }
  }

  /**
   * Resolves once Google accepted the call (status 200), so errors before the first byte still get
   * a proper status. The limiter slot is held until the stream ends, fails or the client leaves.
   */
  async stream(input: GenerateInput): Promise<AsyncGenerator<GenerateContentResponse>> {
    const slot = await this.limiter.acquire(input.signal);
    const releaseOnAbort = (): void => slot.release();
    input.signal?.addEventListener('abort', releaseOnAbort, { once: true });
    const timer = this.startTimer(input.model, 'streamGenerateContent');
    try {
      const accepted = await this.callWithFailover('streamGenerateContent', input, true);
      timer.firstByte();
      return this.unwrapStream(accepted, slot, timer, () => input.signal?.removeEventListener('abort', releaseOnAbort));
    } catch (error) {
      timer.done('error', error);
      slot.release();
      input.signal?.removeEventListener('abort', releaseOnAbort);
      throw error;
    }
  }

  async countTokens(input: { model: string; contents: GeminiContent[]; signal?: AbortSignal }): Promise<{ totalTokens: number }> {
    const pick = this.pool.pick(input.model);
    if (!pick.credential) throw this.noAccountError(input.model, pick, undefined);
    try {
      const response = await this.withToken(pick.credential, { method: 'countTokens', body: buildCountTokensEnvelope(input), model: input.model, signal: input.signal });
      const body = (await response.body.json()) as { totalTokens?: number };
      return { totalTokens: typeof body.totalTokens === 'number' ? body.totalTokens : 0 };
    } finally {
      pick.release();
    }
  }

  private async callWithFailover(method: string, input: GenerateInput, stream = false): Promise<AcceptedCall> {
    const { maxAttempts, retryBudgetMs, waitForResetMs, serverErrorCooldownMs } = this.config.pool;
    const started = Date.now();
    let tried = new Set<string>();
    let lastError: unknown;
    for (let attempt = 1; ; attempt += 1) {
      const pick = this.pool.pick(input.model, tried);
      if (!pick.credential) {
        const waitMs = pick.earliestResetMs - Date.now();
        const budgetLeft = retryBudgetMs - (Date.now() - started);
        if (Number.isFinite(waitMs) && waitMs <= waitForResetMs && waitMs <= budgetLeft && attempt <= maxAttempts) {
          await sleep(Math.max(0, waitMs) + 10, undefined, { signal: input.signal });
          tried = new Set();
          continue;
        }
        throw this.noAccountError(input.model, pick, lastError);
      }
      const { credential } = pick;
      tried.add(credential.id);
      try {
        const project = await this.projects.projectFor(credential, (rpcMethod, body, options) => this.rpc(credential, rpcMethod, body, options?.httpMethod, input.signal));
        const envelope = buildGenerateEnvelope({ model: input.model, project, request: input.request });
        const response = await this.withToken(credential, { method, body: envelope, model: input.model, stream, signal: input.signal });
        this.metrics.credentialRequests.inc({ credential: credential.label, outcome: 'ok' });
        return { response, release: pick.release };
      } catch (error) {
        pick.release();
        this.metrics.credentialRequests.inc({ credential: credential.label, outcome: 'error' });
        if (input.signal?.aborted) throw error;
        const decision = assessFailure(error, { serverErrorCooldownMs });
        this.pool.noteError(credential, decision.reason);
        if (decision.cooldown) {
          const { durationMs, scope, ...cooldown } = decision.cooldown;
          await this.pool.coolDown(credential, scope === 'model' ? input.model : undefined, { ...cooldown, until: Date.now() + durationMs } as Cooldown);
        }
        lastError = error;
        const outOfBudget = attempt >= maxAttempts || Date.now() - started >= retryBudgetMs;
        if (!decision.retry) throw error;
        if (outOfBudget) throw this.finalError(input.model, error);
        this.metrics.upstreamRetries.inc({ reason: decision.reason });
        this.logger.warn({ msg: 'retrying on another Google account', credential: credential.label, reason: decision.reason, attempt });
      }
    }
  }

  /** Out of attempts: if no account is usable now, say when the earliest will be, else Google's error as is. */
  private finalError(model: string, error: unknown): unknown {
    const next = this.pool.pick(model);
    if (next.credential) {
      next.release();
      return error;
    }
    return this.noAccountError(model, next, error);
  }

  /** Every account is cooling, disabled or already tried: Google's own reason, Retry-After = earliest reset. */
  private noAccountError(model: string, pick: Extract<PickResult, { credential?: undefined }>, lastError: unknown): GatewayError {
    const retryAfterSeconds = Number.isFinite(pick.earliestResetMs) ? Math.max(1, Math.ceil((pick.earliestResetMs - Date.now()) / 1000)) : undefined;
    // The client sees the real reason: Google's error (with Retry-After = the earliest reset), or ours.
    if (lastError instanceof UpstreamError && retryAfterSeconds !== undefined) return lastError.withRetryAfter(retryAfterSeconds);
    if (lastError instanceof GatewayError) return lastError;
    const earliest = [...pick.reasons].filter((reason) => !reason.disabled).sort((a, b) => a.until - b.until)[0];
    if (retryAfterSeconds === undefined || !earliest) {
      const reasons = [...new Set(pick.reasons.map((reason) => reason.message))].join(' | ');
      return new ServiceUnavailableError(`No usable Google account for ${model}${this.pool.size > 0 ? `: ${reasons || 'all disabled'}` : ''}. See /admin/status.`, { code: 'no_usable_credential' });
    }
    const daily = pick.reasons.every((reason) => reason.class === 'daily_quota' || reason.disabled);
    return new GatewayError(`All Google accounts are cooling down for ${model}; the earliest is usable again in ${retryAfterSeconds} s. Google said: ${earliest.message}`, {
      httpStatus: 429, googleStatus: 'RESOURCE_EXHAUSTED', openaiType: 'rate_limit_error', openaiCode: daily ? 'insufficient_quota' : 'rate_limit_exceeded', retryAfterSeconds,
    });
  }

  private async *unwrapStream(accepted: AcceptedCall, slot: LimiterSlot, timer: UpstreamTimer, cleanup: () => void): AsyncGenerator<GenerateContentResponse> {
    let failure: unknown;
    try {
      for await (const wrapper of readJsonEvents<CodeAssistGenerateResponse>(accepted.response.body, {
        onMalformed: () => this.logger.warn('dropped a malformed event from Code Assist'),
      })) {
        yield unwrapGenerateResponse(wrapper);
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      timer.done(failure === undefined ? 'ok' : 'error', failure);
      // Leaving early (client gone, error) must release the socket, not leave it half-read.
      if (!accepted.response.body.destroyed) accepted.response.body.destroy();
      accepted.release();
      slot.release();
      cleanup();
    }
  }

  /** Times one generation call for metrics and for the request's gateway-overhead figure. */
  private startTimer(model: string, method: string): UpstreamTimer {
    const started = performance.now();
    const context = currentRequest();
    let finished = false;
    return {
      firstByte: () => {
        const elapsed = performance.now() - started;
        this.metrics.upstreamFirstByte.observe({ model, method }, elapsed / 1000);
        if (context) context.upstreamFirstByteMs = elapsed;
      },
      done: (outcome, error) => {
        if (finished) return;
        finished = true;
        const elapsed = performance.now() - started;
        this.metrics.upstreamDuration.observe({ model, method, outcome }, elapsed / 1000);
        if (context && method === 'generateContent') context.upstreamMs += elapsed;
        if (error instanceof UpstreamTimeoutError) this.metrics.upstreamErrors.inc({ class: 'timeout', model });
        else if (error instanceof UpstreamUnreachableError) this.metrics.upstreamErrors.inc({ class: 'network', model });
      },
    };
  }

  private async rpc(credential: GoogleCredential, method: string, body: unknown, httpMethod: 'GET' | 'POST' = 'POST', signal?: AbortSignal): Promise<unknown> {
    const response = await this.withToken(credential, { method, body, httpMethod, signal });
    return response.body.json();
  }

  /** Sends a call with the credential's token; on 401 refreshes once and retries once. */
  private async withToken(credential: GoogleCredential, call: Omit<UpstreamCall, 'accessToken'>): Promise<UpstreamResponse> {
    let accessToken = await this.tokens.getAccessToken(credential);
    let response = await this.http.call({ ...call, accessToken });
    if (response.status === 401) {
      await response.body.dump();
      this.metrics.upstreamRetries.inc({ reason: 'auth_refresh' });
      accessToken = await this.tokens.getAccessToken(credential, { replacing: accessToken });
      response = await this.http.call({ ...call, accessToken });
    }
    if (response.status >= 200 && response.status < 300) return response;
    throw await this.errorFrom(credential, response, call.model);
  }

  private async errorFrom(credential: GoogleCredential, response: UpstreamResponse, model = 'none'): Promise<GatewayError> {
    const text = await response.body.text().catch(() => '');
    const payload = parseGoogleErrorBody(response.status, text);
    const classified = classifyGoogleError(payload);
    this.metrics.upstreamErrors.inc({ class: METRIC_CLASS[classified.errorClass], model });
    this.logger.warn({ msg: 'Code Assist answered an error', status: payload.code, googleStatus: payload.status, errorClass: classified.errorClass, reason: classified.reason, credential: credential.label });
    if (classified.errorClass === 'auth') {
      return new ServiceUnavailableError(`Google rejected the access token of credential "${credential.label}" even after a refresh (${payload.message}).`, { code: 'google_unauthenticated', details: payload.details });
    }
    if (classified.errorClass === 'validation-required') return new ValidationRequiredError(credential.label, classified.validationUrl, payload.details);
    const retryAfterSeconds = classified.retryDelayMs !== undefined ? Math.max(1, Math.ceil(classified.retryDelayMs / 1000)) : payload.code === 429 || payload.code === 503 ? 1 : undefined;
    return new UpstreamError(payload, { retryAfterSeconds, reason: classified.reason, errorClass: classified.errorClass, retryDelayMs: classified.retryDelayMs });
  }
}
