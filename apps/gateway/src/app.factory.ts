import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger as PinoLogger } from 'pino';
import { credentialSourcesFrom, loadGoogleCredentials, type LoadedCredentials } from '@app/auth';
import { GatewayMetrics, PinoNestLogger, type GatewayConfig } from '@app/common';
import { DrainState } from '@app/health';
import { installHttpObservability } from './observability/http-observer';
import { GatewayModule } from './gateway.module';

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
  const adapter = new FastifyAdapter({
    bodyLimit: options.config.http.maxBodyBytes,
    trustProxy: true,
    // Clients (and nginx) keep connections open; the idle timeout must outlast long thinking pauses.
    keepAliveTimeout: 75_000,
    requestTimeout: 0,
    return503OnClosing: true,
    // app.close() comes after the drain; sockets still open then (including ones a client opened
    // and never used, which Node does not count as idle) are cut so shutdown cannot hang.
    forceCloseConnections: true,
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(options.config, credentials), adapter, {
    logger: new PinoNestLogger(options.logger),
    abortOnError: false,
  });
  installHttpObservability(app.getHttpAdapter().getInstance(), app.get(GatewayMetrics), options.logger, app.get(DrainState));
  return app;
}
