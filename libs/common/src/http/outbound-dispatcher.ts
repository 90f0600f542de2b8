import { EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import type { GatewayConfig } from '../config/config.schema';

export const OUTBOUND_DISPATCHER = Symbol('OUTBOUND_DISPATCHER');

/**
 * The one HTTP transport for every call to Google (Code Assist and the OAuth token endpoint):
 * a keep-alive pool that honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY (Node's fetch ignores them),
 * with connect, first-byte (headers) and idle-between-chunks timeouts.
 */
export function createOutboundDispatcher(config: GatewayConfig): Dispatcher {
  const { connectTimeoutMs, firstByteTimeoutMs, idleTimeoutMs } = config.upstream;
  return new EnvHttpProxyAgent({
    connect: { timeout: connectTimeoutMs },
    headersTimeout: firstByteTimeoutMs,
    bodyTimeout: idleTimeoutMs,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
  });
}

/** A fetch bound to the dispatcher, for libraries that take a fetch implementation (gaxios). */
export function fetchVia(dispatcher: Dispatcher): typeof fetch {
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
}
