import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface GoogleHttp {
  fetch: FetchLike;
  close(): Promise<void>;
}

/**
 * fetch for Google's endpoints (token exchange, refresh): honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY
 * like the gateway does (Node's own fetch ignores them). One pool per command run, closed at the end.
 */
export function createGoogleHttp(): GoogleHttp {
  const agent = new EnvHttpProxyAgent();
  return {
    fetch: (url, init) => undiciFetch(url, { ...(init as object), dispatcher: agent } as never) as unknown as Promise<Response>,
    close: () => agent.close().catch(() => undefined),
  };
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
