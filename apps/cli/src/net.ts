import { createOutboundDispatcher, fetchVia, type GatewayConfig } from '@app/common';

export interface GoogleTransport {
  /** fetch through the gateway's outbound dispatcher: HTTPS_PROXY / HTTP_PROXY / NO_PROXY and its timeouts apply. */
  fetch: typeof fetch;
  close(): Promise<void>;
}

/** The gateway's own transport to Google, for google-auth-library's calls. One per command run, closed at the end. */
export function googleTransport(config: GatewayConfig): GoogleTransport {
  const dispatcher = createOutboundDispatcher(config);
  return { fetch: fetchVia(dispatcher), close: () => dispatcher.close().catch(() => undefined) };
}

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** "ECONNREFUSED 127.0.0.1:8888" out of fetch's nested causes. */
export function describeNetworkError(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth += 1) {
    const candidate = current as { code?: unknown; message?: unknown; cause?: unknown; name?: unknown };
    if (candidate.name === 'TimeoutError' || candidate.name === 'AbortError') return 'timed out';
    if (typeof candidate.code === 'string' && candidate.code !== 'UND_ERR_SOCKET') {
      return typeof candidate.message === 'string' && candidate.message.includes(candidate.code) ? candidate.message : `${candidate.code}${typeof candidate.message === 'string' ? ` (${candidate.message})` : ''}`;
    }
    current = candidate.cause;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The innermost error code (ECONNREFUSED, ENOTFOUND, …) or 'TIMEOUT'. */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const candidate = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (candidate.name === 'TimeoutError') return 'TIMEOUT';
    if (typeof candidate.code === 'string') return candidate.code;
    current = candidate.cause;
  }
  return undefined;
}
