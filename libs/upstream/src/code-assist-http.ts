import { Inject, Injectable } from '@nestjs/common';
import { errors as undiciErrors, request, type Dispatcher } from 'undici';
import { GATEWAY_CONFIG, OUTBOUND_DISPATCHER, UpstreamTimeoutError, UpstreamUnreachableError, type GatewayConfig } from '@app/common';

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

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
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
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      throw translateTransportError(error, call.method);
    }
  }
}

/** Maps undici's transport errors onto the gateway's family; aborts pass through untouched. */
export function translateTransportError(error: unknown, what: string): unknown {
  if (error instanceof undiciErrors.HeadersTimeoutError) return new UpstreamTimeoutError(`Code Assist did not answer ${what} in time (UPSTREAM_FIRST_BYTE_TIMEOUT_MS).`);
  if (error instanceof undiciErrors.BodyTimeoutError) return new UpstreamTimeoutError(`Code Assist went silent during ${what} (UPSTREAM_IDLE_TIMEOUT_MS).`);
  if (error instanceof undiciErrors.ConnectTimeoutError) return new UpstreamTimeoutError(`Connecting to Code Assist timed out (UPSTREAM_CONNECT_TIMEOUT_MS); check network access and HTTPS_PROXY.`);
  if (isAbort(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string })?.code;
  return new UpstreamUnreachableError(`Could not reach Code Assist for ${what}: ${code ?? message}. Check network access and HTTPS_PROXY/NO_PROXY.`, error);
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'UND_ERR_ABORTED' || error instanceof undiciErrors.RequestAbortedError);
}
