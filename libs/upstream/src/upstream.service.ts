import { Injectable, Logger } from '@nestjs/common';
import { GatewayError, GatewayMetrics, ServiceUnavailableError, UpstreamError, UpstreamTimeoutError, UpstreamUnreachableError, currentRequest } from '@app/common';
import { AccessTokenService, CredentialStore, type GoogleCredential } from '@app/auth';
import {
  buildCountTokensEnvelope, buildGenerateEnvelope, unwrapGenerateResponse,
  type CodeAssistGenerateResponse, type GeminiContent, type GenerateContentRequest, type GenerateContentResponse,
} from '@app/translation';
import { CodeAssistHttp, type UpstreamCall, type UpstreamResponse } from './code-assist-http';
import { classifyGoogleError, parseGoogleErrorBody, type ErrorClass } from './google-errors';
import { ValidationRequiredError } from './onboarding-errors';
import { UpstreamLimiter, type LimiterSlot } from './limiter/upstream-limiter';
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

/**
 * Every call to Google goes through here: credential → access token → project → HTTP call.
 * A 401 refreshes the token once and retries once. Google's errors become UpstreamError with
 * Google's own status, message and details (RetryInfo → Retry-After).
 */
@Injectable()
export class UpstreamService {
  private readonly logger = new Logger('upstream');

  constructor(
    private readonly http: CodeAssistHttp,
    private readonly credentials: CredentialStore,
    private readonly tokens: AccessTokenService,
    private readonly projects: ProjectService,
    private readonly limiter: UpstreamLimiter,
    private readonly metrics: GatewayMetrics,
  ) {}

  async generate(input: GenerateInput): Promise<GenerateContentResponse> {
    const slot = await this.limiter.acquire(input.signal);
    const timer = this.startTimer(input.model, 'generateContent');
    try {
      const response = await this.callGeneration('generateContent', input);
      timer.firstByte();
      const wrapper = (await response.body.json()) as CodeAssistGenerateResponse;
      timer.done('ok');
      return unwrapGenerateResponse(wrapper);
    } catch (error) {
      timer.done('error', error);
      throw error;
    } finally {
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
      const response = await this.callGeneration('streamGenerateContent', input, true);
      timer.firstByte();
      return this.unwrapStream(response, slot, timer, () => input.signal?.removeEventListener('abort', releaseOnAbort));
    } catch (error) {
      timer.done('error', error);
      slot.release();
      input.signal?.removeEventListener('abort', releaseOnAbort);
      throw error;
    }
  }

  async countTokens(input: { model: string; contents: GeminiContent[]; signal?: AbortSignal }): Promise<{ totalTokens: number }> {
    const credential = this.credentials.pick();
    const response = await this.withToken(credential, { method: 'countTokens', body: buildCountTokensEnvelope(input), model: input.model, signal: input.signal });
    const body = (await response.body.json()) as { totalTokens?: number };
    return { totalTokens: typeof body.totalTokens === 'number' ? body.totalTokens : 0 };
  }

  private async callGeneration(method: string, input: GenerateInput, stream = false): Promise<UpstreamResponse> {
    const credential = this.credentials.pick();
    const project = await this.projects.projectFor(credential, (rpcMethod, body, options) => this.rpc(credential, rpcMethod, body, options?.httpMethod, input.signal));
    const envelope = buildGenerateEnvelope({ model: input.model, project, request: input.request });
    return this.withToken(credential, { method, body: envelope, model: input.model, stream, signal: input.signal });
  }

  private async *unwrapStream(response: UpstreamResponse, slot: LimiterSlot, timer: UpstreamTimer, cleanup: () => void): AsyncGenerator<GenerateContentResponse> {
    let failure: unknown;
    try {
      for await (const wrapper of readJsonEvents<CodeAssistGenerateResponse>(response.body, {
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
      if (!response.body.destroyed) response.body.destroy();
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
    return new UpstreamError(payload, { retryAfterSeconds, reason: classified.reason });
  }
}
