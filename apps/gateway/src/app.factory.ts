import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger as PinoLogger } from 'pino';
import { ClientKeyGuard, credentialSourcesFrom, loadGoogleCredentials, type LoadedCredentials } from '@app/auth';
import { GatewayMetrics, PinoNestLogger, installLeanAsyncResourceBind, type GatewayConfig } from '@app/common';
import { DrainState } from '@app/health';
import { installHttpObservability } from './observability/http-observer';
import { GatewayModule } from './gateway.module';
import { clientErrorHandler, installBodyGuards } from './http/body-guards';
import { installClientKeyHook } from './http/client-key.hook';

export interface CreateGatewayOptions {
  config: GatewayConfig;
  logger: PinoLogger;
  /** Pre-loaded credentials; loaded from config when omitted. */
  credentials?: LoadedCredentials;
  /** Overrides GEMINI_CLI_HOME from the config (tests). */
  geminiHome?: string;
  /** Folder searched for ./oauth_creds.json (default: the working directory). */
  cwdForCredentials?: string;
}

/** Builds the app without listening, so main.ts and the tests share one wiring. */
export async function createGatewayApp(options: CreateGatewayOptions): Promise<NestFastifyApplication> {
  const sources = credentialSourcesFrom(options.config.google, options.cwdForCredentials);
  const credentials = options.credentials ?? (await loadGoogleCredentials({ ...sources, geminiHome: options.geminiHome ?? sources.geminiHome }));
  // Fastify binds a function per request body; Node 20's bind is slow for a deprecated accessor (decision 0011).
  installLeanAsyncResourceBind();
  const adapter = new FastifyAdapter({
    bodyLimit: options.config.http.maxBodyBytes,
    trustProxy: true,
    // Clients (and nginx) keep connections open; the idle timeout must outlast long thinking pauses.
    keepAliveTimeout: 75_000,
    // Receiving a request is bounded: headers by REQUEST_HEADERS_TIMEOUT_MS, the body by
    // REQUEST_BODY_TIMEOUT_MS (a 408 in the caller's dialect, http/body-guards.ts), and Node's
    // own whole-request timeout as the backstop. Nothing bounds the answer's duration
    // (connectionTimeout stays 0): a non-streamed answer may wait minutes for Google without
    // writing a byte, and streams are bounded by the upstream timeouts and the send-stall check.
    requestTimeout: options.config.http.headersTimeoutMs + options.config.http.bodyTimeoutMs + 5_000,
    http: { headersTimeout: options.config.http.headersTimeoutMs, connectionsCheckingInterval: 1_000 } as never,
    clientErrorHandler,
    return503OnClosing: true,
    // app.close() comes after the drain; sockets still open then (including ones a client opened
    // and never used, which Node does not count as idle) are cut so shutdown cannot hang.
    forceCloseConnections: true,
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(options.config, credentials), adapter, {
    logger: new PinoNestLogger(options.logger),
    abortOnError: false,
    // The JSON parser is ours (http/body-guards.ts: structure limits before JSON.parse).
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  installHttpObservability(fastify, app.get(GatewayMetrics), options.logger, app.get(DrainState));
  // After observability (its onRequest opens the request context these hooks write to).
  installClientKeyHook(fastify, app.get(ClientKeyGuard));
  installBodyGuards(fastify, options.config);
  return app;
}
