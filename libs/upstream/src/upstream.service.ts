import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { GATEWAY_CONFIG, GatewayMetrics, type GatewayConfig } from '@app/common';
import { AccessTokenService, CredentialPool, type Cooldown, type GoogleCredential } from '@app/auth';
import type { GeminiContent, GenerateContentRequest, GenerateContentResponse } from '@app/translation';
import { AccountSelection } from './account-selection';
import { UpstreamBackends } from './backends/upstream-backends';
import type { BackendOperation, UpstreamBackend } from './backends/upstream-backend';
import { CodeAssistHttp, type UpstreamResponse } from './code-assist-http';
import { assessFailure } from './failover';
import { failureClassOfGoogleError, metricClassFor } from './failure-class';
import { UpstreamLimiter } from './limiter/upstream-limiter';
import { ProjectService } from './project.service';
import { pumpJsonEvents, type JsonEventPump } from './sse-reader';
import { TokenRetry } from './token-retry';
import { readJsonObject, type GoogleFailure } from './upstream-reply';
import { PublicApiHttp } from './backends/public-api-http';
import { VertexTokens } from './backends/vertex-backend';
import { backendNameOf } from './backends/upstream-backend';
import { startUpstreamTimer, type UpstreamTimer } from './upstream-timer';

export interface GenerateInput {
  /** Upstream model id (no `models/`, no variant suffix). */
  model: string;
  request: GenerateContentRequest;
  signal?: AbortSignal;
}

export interface CountTokensInput {
  model: string;
  contents: GeminiContent[];
  signal?: AbortSignal;
}

interface AcceptedCall {
  response: UpstreamResponse;
  /** The backend of the credential that served (its replies are unwrapped its way). */
  backend: UpstreamBackend;
  /** Frees the account's in-flight count. */
  release(): void;
}

/**
 * Every call to Google goes through here, composed of small pieces:
 * limiter slot (UpstreamLimiter) → credential (AccountSelection, priority tiers first) → its backend
 * (UpstreamBackends: Code Assist = project + token with one refresh on 401 + HTTP; the Gemini API;
 * Vertex AI), timed by UpstreamTimer.
 * Before Google accepted the call (the first byte) a failure is judged by `assessFailure`: it may
 * cool the account × model or the account for every replica, and the call moves on (another
 * account, or the same after a short wait for its reset), bounded in attempts and time. After the
 * first byte nothing is retried. countTokens takes the same path, a limiter slot included (it is
 * short, and an unbounded side door would defeat the cap on calls to Google).
 */
@Injectable()
export class UpstreamService {
  private readonly logger = new Logger('upstream');
  private readonly selection: AccountSelection;
  private readonly backends: UpstreamBackends;

  constructor(
    http: CodeAssistHttp,
    private readonly pool: CredentialPool,
    tokens: AccessTokenService,
    projects: ProjectService,
    private readonly limiter: UpstreamLimiter,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    publicHttp: PublicApiHttp,
    vertexTokens: VertexTokens,
  ) {
    this.selection = new AccountSelection(pool, Boolean(config.admin?.key));
    const hooks = {
      onRefreshRetry: (credential: GoogleCredential) => this.metrics.upstreamRetries.inc({ reason: 'auth_refresh', backend: backendNameOf(credential) }),
      onGoogleError: ({ payload, classified }: GoogleFailure, credential: GoogleCredential, call: { model?: string }) => {
        this.metrics.upstreamErrors.inc({ class: metricClassFor(failureClassOfGoogleError(classified.errorClass)), model: call.model ? this.metrics.modelLabel(call.model) : 'none', backend: backendNameOf(credential) });
        this.logger.warn({ msg: 'Google answered an error', backend: backendNameOf(credential), status: payload.code, googleStatus: payload.status, errorClass: classified.errorClass, reason: classified.reason, credential: credential.label });
      },
    };
    this.backends = new UpstreamBackends({ codeAssist: new TokenRetry(http, tokens, hooks), projects, publicHttp, vertexTokens, config, hooks });
  }

  async generate(input: GenerateInput): Promise<GenerateContentResponse> {
    const { reply, backend } = await this.callForJson({ kind: 'generateContent', model: input.model, request: input.request, signal: input.signal });
    return backend.unwrap(reply);
  }

  async countTokens(input: CountTokensInput): Promise<{ totalTokens: number }> {
    const { reply } = await this.callForJson({ kind: 'countTokens', model: input.model, contents: input.contents, signal: input.signal });
    return { totalTokens: typeof reply.totalTokens === 'number' ? reply.totalTokens : 0 };
  }

  /**
   * Resolves once Google accepted the call (status 200), so errors before the first byte still get
   * a proper status. The limiter slot is held until the stream ends, fails, is cancelled or the
   * client leaves. The answer is pushed (see UpstreamStream): nothing is read until `start`.
   */
  async stream(input: GenerateInput): Promise<UpstreamStream> {
    const slot = await this.limiter.acquire(input.signal);
    const releaseOnAbort = (): void => slot.release();
    input.signal?.addEventListener('abort', releaseOnAbort, { once: true });
    const timer = startUpstreamTimer(this.metrics, input.model, 'streamGenerateContent');
    try {
      const accepted = await this.callWithFailover({ kind: 'streamGenerateContent', model: input.model, request: input.request, signal: input.signal }, timer);
      timer.firstByte();
      return new AcceptedStream(accepted, () => {
        slot.release();
        input.signal?.removeEventListener('abort', releaseOnAbort);
      }, timer, this.logger);
    } catch (error) {
      timer.done('error', error);
      slot.release();
      input.signal?.removeEventListener('abort', releaseOnAbort);
      throw error;
    }
  }

  /** A non-streamed call: slot, failover, then the reply as a JSON object (502 if it is not one). */
  private async callForJson(operation: BackendOperation): Promise<{ reply: Record<string, unknown>; backend: UpstreamBackend }> {
    const slot = await this.limiter.acquire(operation.signal);
    const timer = startUpstreamTimer(this.metrics, operation.model, operation.kind);
    let accepted: AcceptedCall | undefined;
    try {
      accepted = await this.callWithFailover(operation, timer);
      timer.firstByte();
      const reply = await readJsonObject(accepted.response.body, operation.kind);
      timer.done('ok');
      return { reply, backend: accepted.backend };
    } catch (error) {
      timer.done('error', error);
      throw error;
    } finally {
      accepted?.release();
      slot.release();
    }
  }

  private async callWithFailover(operation: BackendOperation, timer: UpstreamTimer): Promise<AcceptedCall> {
    const { model, signal } = operation;
    const { maxAttempts, retryBudgetMs, waitForResetMs, serverErrorCooldownMs } = this.config.pool;
    const started = Date.now();
    let tried = new Set<string>();
    let lastError: unknown;
    let previous: { id: string; label: string; reason: string } | undefined;
    for (let attempt = 1; ; attempt += 1) {
      const selection = this.selection.next(model, tried, { attempt, maxAttempts, budgetLeftMs: retryBudgetMs - (Date.now() - started), waitForResetMs, lastError });
      if (selection.kind === 'none') throw selection.error;
      if (selection.kind === 'wait') {
        this.logger.warn({ msg: 'no Google account is usable now; waiting for the earliest reset', model, waitMs: selection.waitMs, reason: previous?.reason });
        await sleep(selection.waitMs, undefined, { signal });
        tried = new Set();
        continue;
      }
      const { credential } = selection;
      if (previous) {
        const same = previous.id === credential.id;
        this.logger.warn({ msg: same ? 'retrying on the same Google account' : 'retrying on another Google account', credential: credential.label, previous: same ? undefined : previous.label, reason: previous.reason, attempt });
      }
      tried.add(credential.id);
      try {
        const backend = this.backends.for(credential);
        timer.servedBy(backend.name);
        const response = await backend.send(credential, operation);
        this.metrics.credentialRequests.inc({ credential: credential.label, outcome: 'ok' });
        return { response, backend, release: selection.release };
      } catch (error) {
        selection.release();
        this.metrics.credentialRequests.inc({ credential: credential.label, outcome: 'error' });
        if (signal?.aborted) throw error;
        const decision = assessFailure(error, { serverErrorCooldownMs });
        // What the request alone caused says nothing about the account: not shown in /admin/status.
        if (decision.retry || decision.scope !== 'request') this.pool.noteError(credential, decision.reason);
        if (decision.cooldown) {
          const { durationMs, ...cooldown } = decision.cooldown;
          await this.pool.coolDown(credential, decision.scope === 'model' ? model : undefined, { ...cooldown, until: Date.now() + durationMs } as Cooldown);
        }
        lastError = error;
        if (!decision.retry) throw error;
        if (attempt >= maxAttempts || Date.now() - started >= retryBudgetMs) throw this.selection.finalError(model, error);
        this.metrics.upstreamRetries.inc({ reason: decision.reason, backend: backendNameOf(credential) });
        previous = { id: credential.id, label: credential.label, reason: decision.reason };
      }
    }
  }
}

/** Where an upstream stream hands its chunks. Exactly one of `end` or `error` is called, once. */
export interface UpstreamChunkSink {
  chunk(response: GenerateContentResponse): void;
  end(): void;
  error(error: unknown): void;
}

/**
 * An accepted streamed answer, pushed chunk by chunk into a sink from the socket's callback (no
 * async iterator per layer: see pumpJsonEvents). Ending, failing or `cancel()` frees the socket,
 * the account's in-flight count and the limiter slot, exactly once.
 */
export interface UpstreamStream {
  /** Starts reading; call once. */
  start(sink: UpstreamChunkSink): void;
  /** Backpressure: stop reading from Google until `resume()`. */
  pause(): void;
  resume(): void;
  /** Stops early (client gone, an in-band failure): the sink is not called again. Idempotent. */
  cancel(): void;
}

class AcceptedStream implements UpstreamStream {
  private pump?: JsonEventPump;
  private settled = false;

  constructor(
    private readonly accepted: AcceptedCall,
    private readonly releaseSlot: () => void,
    private readonly timer: UpstreamTimer,
    private readonly logger: Logger,
  ) {}

  start(sink: UpstreamChunkSink): void {
    if (this.settled || this.pump) return;
    const { backend } = this.accepted;
    this.pump = pumpJsonEvents<Record<string, unknown>>(this.accepted.response.body, {
      event: (event) => sink.chunk(backend.unwrap(event)),
      end: () => {
        this.settle(undefined);
        sink.end();
      },
      error: (error) => {
        this.settle(error);
        sink.error(error);
      },
    }, { onMalformed: () => this.logger.warn({ msg: 'dropped a malformed event from Google', backend: backend.name }) });
  }

  pause(): void {
    this.pump?.pause();
  }

  resume(): void {
    this.pump?.resume();
  }

  cancel(): void {
    this.pump?.stop();
    this.settle(undefined);
  }

  private settle(failure: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.timer.done(failure === undefined ? 'ok' : 'error', failure);
    // Leaving early (client gone, error) must release the socket, not leave it half-read.
    const { body } = this.accepted.response;
    if (!body.destroyed) body.destroy();
    this.accepted.release();
    this.releaseSlot();
  }
}
