/**
 * In-memory twins for the upstream unit tests: Code Assist over HTTP (scripted per account and
 * method), the limiter (counts slots) and a token endpoint. The pool, the token service, the
 * project service and the metrics are the real classes over MemorySharedState.
 */
import { Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { GatewayMetrics, MemorySharedState, type GatewayConfig } from '@app/common';
import { AccessTokenService, CredentialPool, CredentialStore, TokenEndpoint, parseCredential, systemClock, type GoogleCredential, type RefreshedToken } from '@app/auth';
import { CodeAssistHttp, encodeBody, type UpstreamBody, type UpstreamCall, type UpstreamResponse } from '../code-assist-http';
import { ProjectService } from '../project.service';
import type { UpstreamLimiter } from '../limiter/upstream-limiter';
import { UpstreamService, type UpstreamStream } from '../upstream.service';
import type { GenerateContentResponse } from '@app/translation';
import { PublicApiHttp, type PublicApiCall } from '../backends/public-api-http';
import { VertexTokens } from '../backends/vertex-backend';

/** One scripted answer: a status and a body (a string, chunks, or chunks then a socket error). */
export interface ScriptedReply {
  status: number;
  body?: string | unknown;
  chunks?: string[];
  /** After the chunks, the body fails like a dropped connection. */
  failAfterChunks?: boolean;
}

export function bodyOf(reply: ScriptedReply): UpstreamBody {
  const chunks = reply.chunks ?? [typeof reply.body === 'string' ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body)];
  const failing = reply.failAfterChunks;
  async function* produce(): AsyncGenerator<Buffer> {
    for (const chunk of chunks) yield Buffer.from(chunk);
    if (failing) throw Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
  }
  const stream = Readable.from(produce());
  const text = async () => {
    let all = '';
    for await (const chunk of stream) all += String(chunk);
    return all;
  };
  return Object.assign(stream, { text, dump: async () => void (await text().catch(() => '')) }) as unknown as UpstreamBody;
}

/** Code Assist twin: `script(account, method)` decides each answer; every call is recorded. */
export class CodeAssistHttpTwin extends CodeAssistHttp {
  readonly calls: Array<{ account: string; method: string; body: unknown }> = [];
  /** Default: 200 with a one-candidate answer; countTokens 200 {totalTokens: 7}. */
  script: (account: string, method: string, callIndex: number) => ScriptedReply | Error = (_account, method) => defaultReply(method);

  async call(call: UpstreamCall): Promise<UpstreamResponse> {
    encodeBody(call.body); // the real client encodes before sending; so does the twin
    const account = call.accessToken.replace(/^token-/, '').replace(/-\d+$/, '');
    this.calls.push({ account, method: call.method, body: call.body });
    const reply = this.script(account, call.method, this.calls.length - 1);
    if (reply instanceof Error) throw reply;
    return { status: reply.status, headers: {}, body: bodyOf(reply) };
  }

  countFor(account: string, method = 'generateContent'): number {
    return this.calls.filter((call) => call.account === account && call.method === method).length;
  }
}

export function defaultReply(method: string): ScriptedReply {
  if (method === 'countTokens') return { status: 200, body: { totalTokens: 7 } };
  const response = { candidates: [{ content: { role: 'model', parts: [{ text: 'hello' }] }, finishReason: 'STOP' }] };
  if (method === 'streamGenerateContent') return { status: 200, chunks: [`data: ${JSON.stringify({ response })}\n\n`] };
  if (method === 'loadCodeAssist') return { status: 200, body: { currentTier: { id: 'standard-tier' }, cloudaicompanionProject: 'twin-project' } };
  return { status: 200, body: { response } };
}

/** A Google error reply, optionally array-wrapped as on stream calls. */
export function googleError(code: number, status: string, message: string, details: Array<Record<string, unknown>> = []): ScriptedReply {
  return { status: code, body: { error: { code, status, message, details } } };
}

/** Gemini API / Vertex AI twin: `script(call)` decides each answer; every call is recorded (URL, headers, body). */
export class PublicApiHttpTwin extends PublicApiHttp {
  readonly calls: PublicApiCall[] = [];
  script: (call: PublicApiCall) => ScriptedReply = (call) => {
    if (call.url.includes(':countTokens')) return { status: 200, body: { totalTokens: 9 } };
    const response = { candidates: [{ content: { role: 'model', parts: [{ text: 'public hello' }] }, finishReason: 'STOP' }] };
    return call.stream ? { status: 200, chunks: [`data: ${JSON.stringify(response)}\r\n\r\n`] } : { status: 200, body: response };
  };

  async post(call: PublicApiCall): Promise<UpstreamResponse> {
    encodeBody(call.body);
    this.calls.push(call);
    const reply = this.script(call);
    return { status: reply.status, headers: {}, body: bodyOf(reply) };
  }
}

/** Vertex token twin: `vertex-token-<label>-<n>`. */
export class VertexTokensTwin extends VertexTokens {
  issued = 0;

  async accessToken(credential: GoogleCredential): Promise<string> {
    this.issued += 1;
    return `vertex-token-${credential.label}-${this.issued}`;
  }
}

/** Limiter twin: every acquire gets a slot at once; counts what is held. */
export class LimiterTwin {
  acquired = 0;
  held = 0;

  async acquire(): Promise<{ release(): void; waitedMs: number }> {
    this.acquired += 1;
    this.held += 1;
    let released = false;
    return { waitedMs: 0, release: () => { if (!released) { released = true; this.held -= 1; } } };
  }
}

/** Token endpoint twin: the access token names the account (`token-<label>-<n>`). */
export class TokenEndpointTwin extends TokenEndpoint {
  refreshes = 0;

  async refresh(credential: GoogleCredential): Promise<RefreshedToken> {
    this.refreshes += 1;
    return { accessToken: `token-${credential.label}-${this.refreshes}`, expiryMs: Date.now() + 3_600_000 };
  }
}

export function twinConfig(overrides: Partial<GatewayConfig['pool']> = {}): GatewayConfig {
  return {
    pool: { maxConcurrentPerCredential: 0, maxAttempts: 3, retryBudgetMs: 5_000, waitForResetMs: 300, serverErrorCooldownMs: 2_000, ...overrides },
    upstream: { tokenRefreshMarginMs: 60_000, oauthTimeoutMs: 1_000, onboardingTimeoutMs: 1_000, onboardingPollIntervalMs: 10 },
    google: { project: undefined, geminiApiEndpoint: 'https://generativelanguage.test' },
  } as unknown as GatewayConfig;
}

export interface UpstreamRig {
  service: UpstreamService;
  http: CodeAssistHttpTwin;
  pool: CredentialPool;
  limiter: LimiterTwin;
  tokens: TokenEndpointTwin;
  metrics: GatewayMetrics;
  credentials: GoogleCredential[];
  publicHttp: PublicApiHttpTwin;
}

/**
 * The real UpstreamService over twins, with Code Assist accounts labelled by `labels`, or any
 * credential item given as an object (`{type:'gemini_api_key', api_key, label, priority}`).
 */
export function upstreamRig(labels: Array<string | Record<string, unknown>> = ['a', 'b'], pool: Partial<GatewayConfig['pool']> = {}): UpstreamRig {
  Logger.overrideLogger(false);
  const config = twinConfig(pool);
  const state = new MemorySharedState();
  const credentials = labels.map((item) => (typeof item === 'string' ? parseCredential({ refresh_token: `rt-${item}`, label: item }, 'twin', item) : parseCredential(item, 'twin', 'item')));
  const tokens = new TokenEndpointTwin();
  const tokenService = new AccessTokenService(config, tokens, systemClock, state);
  const credentialPool = new CredentialPool(new CredentialStore({ credentials, description: 'twin' }), state, tokenService, config);
  const http = new CodeAssistHttpTwin();
  const limiter = new LimiterTwin();
  const metrics = new GatewayMetrics();
  const publicHttp = new PublicApiHttpTwin();
  const service = new UpstreamService(http, credentialPool, tokenService, new ProjectService(config, state), limiter as unknown as UpstreamLimiter, metrics, config, publicHttp, new VertexTokensTwin());
  return { service, http, pool: credentialPool, limiter, tokens, metrics, credentials, publicHttp };
}

/** Sum of a counter's values whose labels include `labels`. */
export async function counterValue(metric: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  return values.filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted)).reduce((sum, value) => sum + value.value, 0);
}

/** Pulls a pushed upstream stream into an array; rejects with the stream's error (after the chunks before it). */
export function collectStream(stream: UpstreamStream, seen: GenerateContentResponse[] = []): Promise<GenerateContentResponse[]> {
  return new Promise((resolve, reject) => {
    stream.start({ chunk: (chunk) => seen.push(chunk), end: () => resolve(seen), error: reject });
  });
}
