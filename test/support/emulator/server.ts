import { registerCleanup } from '../cleanup';
/**
 * The emulator's HTTP server (plain node:http): request records, routing, and the GoogleEmulator
 * control surface used by tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { handleCodeAssist, isGenerationMethod, matchCodeAssistPath } from './code-assist';
import { internalError, notFoundError } from './error-bodies';
import { parseJson, readBody, sendError, sendJson, type RequestContext } from './http-utils';
import { handleAuthorize, handleRevoke, handleToken, handleTokenInfo, handleUserInfo } from './oauth';
import { EmulatorState } from './state';
import { handlePublicApi, matchPublicPath } from './public-api';
import { handleMetadata } from './service-accounts';
import type {
  AuthorizationCodeOptions,
  EmulatorAccountOptions,
  EmulatorBehaviour,
  EmulatorCounters,
  EmulatorRequestRecord,
  GoogleEmulator,
  OnboardingMode,
  StartEmulatorOptions,
} from './types';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

type Route = { method: string; handle: (context: RequestContext) => void | Promise<void> };

/** OAuth-side routes, by path (§4.1 lists the real hosts; here everything shares one origin). */
const OAUTH_ROUTES: Record<string, Route> = {
  '/token': { method: 'token', handle: handleToken },
  '/tokeninfo': { method: 'tokeninfo', handle: handleTokenInfo },
  '/oauth2/v3/tokeninfo': { method: 'tokeninfo', handle: handleTokenInfo },
  '/o/oauth2/v2/auth': { method: 'authorize', handle: handleAuthorize },
  '/o/oauth2/auth': { method: 'authorize', handle: handleAuthorize },
  '/oauth2/v2/userinfo': { method: 'userinfo', handle: handleUserInfo },
  '/oauth2/v3/userinfo': { method: 'userinfo', handle: handleUserInfo },
  '/revoke': { method: 'revoke', handle: handleRevoke },
  '/o/oauth2/revoke': { method: 'revoke', handle: handleRevoke },
  '/__emulator/health': { method: 'health', handle: (context) => sendJson(context, 200, { status: 'ok' }) },
};

function routeFor(pathname: string): Route | undefined {
  const oauth = OAUTH_ROUTES[pathname];
  if (oauth) return oauth;
  const codeAssist = matchCodeAssistPath(pathname);
  if (codeAssist) return { method: codeAssist.method, handle: (context) => handleCodeAssist(context, codeAssist) };
  const publicApi = matchPublicPath(pathname);
  if (publicApi) return { method: publicApi.method, handle: (context) => handlePublicApi(context, publicApi) };
  if (pathname.startsWith('/computeMetadata/')) return { method: 'metadata', handle: handleMetadata };
  return undefined;
}

/** Parsed JSON when the body is JSON, else the raw text (handlers replace it for form bodies). */
function bodyForRecord(rawBody: string): unknown {
  if (rawBody === '') return undefined;
  const parsed = parseJson(rawBody);
  return parsed.ok ? parsed.value : rawBody;
}

class EmulatorServer implements GoogleEmulator {
  readonly url: string;
  readonly tokenUrl: string;
  readonly port: number;
  private readonly sockets = new Set<Socket>();
  /** Requests whose response has not closed yet, with a promise settled on 'close'. */
  private readonly activeRequests = new Map<AbortController, Promise<void>>();
  private closing?: Promise<void>;

  constructor(
    private readonly server: Server,
    private readonly state: EmulatorState,
    host: string,
    scheme: 'http' | 'https',
  ) {
    this.port = (server.address() as AddressInfo).port;
    this.url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
    this.tokenUrl = `${this.url}/token`;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => void this.handle(request, response));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const route = routeFor(url.pathname);
    const record: EmulatorRequestRecord = {
      method: route?.method ?? 'unknown',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...request.headers },
      body: undefined,
      status: 0,
    };
    this.state.requests.push(record);
    const abort = new AbortController();
    const leaveGeneration = route && isGenerationMethod(route.method) ? this.state.enterGeneration() : undefined;
    const closed = new Promise<void>((resolve) =>
      response.once('close', () => {
        abort.abort();
        this.activeRequests.delete(abort);
        leaveGeneration?.();
        resolve();
      }),
    );
    this.activeRequests.set(abort, closed);
    try {
      const rawBody = await readBody(request);
      record.body = bodyForRecord(rawBody);
      const context: RequestContext = { request, response, url, record, rawBody, signal: abort.signal, state: this.state };
      if (!route) return sendError(context, notFoundError());
      await route.handle(context);
    } catch {
      if (!response.headersSent && !response.destroyed) {
        const context: RequestContext = { request, response, url, record, rawBody: '', signal: abort.signal, state: this.state };
        sendError(context, internalError());
      } else {
        response.destroy();
      }
    }
  }

  addAccount(options: EmulatorAccountOptions): void {
    this.state.addAccount(options);
  }
  issueAccessToken(refreshToken: string, expiresInSeconds?: number): string {
    return this.state.issueAccessToken(refreshToken, expiresInSeconds);
  }
  revokeRefreshToken(refreshToken: string): void {
    this.state.requireAccount(refreshToken).revoked = true;
  }
  invalidateAccessTokens(refreshToken?: string): void {
    this.state.invalidateAccessTokens(refreshToken);
  }
  setDefaultBehaviour(behaviour: EmulatorBehaviour): void {
    this.state.defaultBehaviour = behaviour;
  }
  enqueue(...behaviours: EmulatorBehaviour[]): void {
    this.state.queue.push(...behaviours);
  }
  pendingBehaviours(): number {
    return this.state.queue.length;
  }
  setTokenDelayMs(ms: number): void {
    this.state.tokenDelayMs = Math.max(0, ms);
  }

  setQuotaFraction(model: string, fraction: number): void {
    this.state.quotaFractions.set(model, fraction);
  }
  get requests(): EmulatorRequestRecord[] {
    return this.state.requests;
  }
  counters(): EmulatorCounters {
    return this.state.snapshotCounters();
  }
  resetCounters(): void {
    this.state.resetCounters();
  }
  createAuthorizationCode(refreshToken: string, options: AuthorizationCodeOptions): string {
    return this.state.createAuthorizationCode(refreshToken, options);
  }
  setAuthorizeAccount(refreshToken: string): void {
    this.state.requireAccount(refreshToken);
    this.state.authorizeAccount = refreshToken;
  }
  addModel(id: string): void {
    this.state.models.add(id.replace(/^models\//, ''));
  }
  setAccountBehaviour(refreshToken: string, behaviour: EmulatorBehaviour | undefined): void {
    this.state.requireAccount(refreshToken).behaviour = behaviour;
  }
  setOnboarding(refreshToken: string, mode: OnboardingMode): void {
    this.state.setOnboarding(refreshToken, mode);
  }
  accountProject(refreshToken: string): string | undefined {
    return this.state.requireAccount(refreshToken).project;
  }
  addApiKey(key: string): void {
    this.state.apiKeys.add(key);
  }
  addServiceAccount(options: { clientEmail: string; publicKeyPem: string; projects: string[] }): void {
    this.state.identities.set(options.clientEmail, { publicKeyPem: options.publicKeyPem, projects: new Set(options.projects) });
  }
  enableMetadataServer(options: { email: string; projects: string[] }): void {
    this.state.identities.set(options.email, { projects: new Set(options.projects) });
    this.state.metadataIdentity = options.email;
  }

  /** Stops listening, aborts pending work, destroys every socket (hung calls included) and waits for all of it. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      const responsesClosed = [...this.activeRequests.values()];
      for (const abort of this.activeRequests.keys()) abort.abort();
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
      await Promise.all([serverClosed, ...responsesClosed]);
    })();
    return this.closing;
  }
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<GoogleEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) throw new Error(`emulator: refusing to listen on non-loopback host ${host}`);
  const state = new EmulatorState(options.accessTokenTtlSeconds ?? 3599, Math.max(0, options.latencyMs ?? 0));
  // With `tls`, the emulator speaks HTTPS (e.g. behind a CONNECT proxy, as Google is reached in the wild).
  const server: Server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }) : createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const emulator = new EmulatorServer(server, state, host, options.tls ? 'https' : 'http');
  registerCleanup(() => emulator.close());
  return emulator;
}
