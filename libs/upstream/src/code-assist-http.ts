import { Inject, Injectable } from '@nestjs/common';
import { errors as undiciErrors, request, type Dispatcher } from 'undici';
import { GATEWAY_CONFIG, OUTBOUND_DISPATCHER, RequestEncodingError, UpstreamTimeoutError, UpstreamUnreachableError, type GatewayConfig } from '@app/common';
import type { EventStreamBody } from './sse-reader';

export const GEMINI_CLI_VERSION = '0.56.0';

export interface UpstreamCall {
  /** RPC name (`generateContent`, `streamGenerateContent`, …) or an operation path (`operations/123`). */
  method: string;
  httpMethod?: 'POST' | 'GET';
  body?: unknown;
  accessToken: string;
  /** Model for the User-Agent, as Gemini CLI reports it. */
  model?: string;
  stream?: boolean;
  signal?: AbortSignal;
}

/** What the gateway reads of a response body (undici's BodyReadable; an in-memory twin in unit tests). */
export interface UpstreamBody extends AsyncIterable<Buffer | Uint8Array | string>, EventStreamBody {
  text(): Promise<string>;
  /** Reads and discards the rest (keeps the connection reusable). */
  dump(): Promise<void>;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

/** The side effect "talk HTTP to Code Assist", behind a port so unit tests can swap it. */
export abstract class CodeAssistHttp {
  abstract call(call: UpstreamCall): Promise<UpstreamResponse>;
}

/**
 * undici over the shared outbound dispatcher (keep-alive pool, proxy env, connect / first-byte /
 * idle timeouts — never a total timeout, because a thinking model may stream for minutes).
 * The caller's AbortSignal cancels the call.
 */
@Injectable()
export class UndiciCodeAssistHttp extends CodeAssistHttp {
  private readonly baseUrl: string;
  private readonly userAgentSuffix = `(${process.platform}; ${process.arch}; geminicli2api) google-api-nodejs-client/10.9.1`;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, @Inject(OUTBOUND_DISPATCHER) private readonly dispatcher: Dispatcher) {
    super();
    this.baseUrl = `${config.google.codeAssistEndpoint}/${config.google.codeAssistApiVersion}`;
  }

  async call(call: UpstreamCall): Promise<UpstreamResponse> {
    const isOperation = call.method.startsWith('operations/');
    const url = isOperation ? `${this.baseUrl}/${call.method}` : `${this.baseUrl}:${call.method}${call.stream ? '?alt=sse' : ''}`;
    const body = encodeBody(call.body);
    try {
      const response = await request(url, {
        method: call.httpMethod ?? 'POST',
        dispatcher: this.dispatcher,
        signal: call.signal,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${call.accessToken}`,
          'user-agent': `GeminiCLI/${GEMINI_CLI_VERSION}/${call.model ?? 'gemini-2.5-pro'} ${this.userAgentSuffix}`,
          'x-goog-api-client': `gl-node/${process.versions.node}`,
          accept: call.stream ? 'text/event-stream' : 'application/json',
        },
        body,
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      throw translateTransportError(error, call.method);
    }
  }
}

/**
 * Serialises OUR request before anything is sent. A failure here (JSON nested too deep to encode,
 * a cycle) is the caller's input, never a network error, and must not mark the Google account.
 */
export function encodeBody(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  try {
    return JSON.stringify(body);
  } catch (error) {
    const why = error instanceof RangeError ? 'it is nested too deeply' : 'it contains values JSON cannot represent';
    throw new RequestEncodingError(`The request could not be encoded for Google: ${why}. Flatten the deepest structures (tool schemas, function arguments) and retry.`);
  }
}

/** Maps undici's transport errors onto the gateway's family; aborts pass through untouched. */
export function translateTransportError(error: unknown, what: string): unknown {
  if (error instanceof undiciErrors.HeadersTimeoutError) return new UpstreamTimeoutError(`Code Assist did not answer ${what} in time (UPSTREAM_FIRST_BYTE_TIMEOUT_MS).`);
  if (error instanceof undiciErrors.BodyTimeoutError) return new UpstreamTimeoutError(`Code Assist went silent during ${what} (UPSTREAM_IDLE_TIMEOUT_MS).`);
  if (error instanceof undiciErrors.ConnectTimeoutError) return new UpstreamTimeoutError(`Connecting to Code Assist timed out (UPSTREAM_CONNECT_TIMEOUT_MS); check network access and HTTPS_PROXY.`);
  if (isAbort(error)) return error;
  // Only the error code reaches the client (ECONNRESET, UND_ERR_SOCKET…); the message, which may
  // name internal addresses, stays in the cause for the log.
  const code = (error as { code?: unknown } | null)?.code;
  const shown = typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? code : 'connection failed';
  return new UpstreamUnreachableError(`Could not reach Code Assist for ${what}: ${shown}. Check network access and HTTPS_PROXY/NO_PROXY.`, error);
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'UND_ERR_ABORTED' || error instanceof undiciErrors.RequestAbortedError);
}
