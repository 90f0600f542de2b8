import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger as PinoLogger } from 'pino';
import { loadGoogleCredentials, type LoadedCredentials } from '@app/auth';
import { GatewayMetrics, PinoNestLogger, type GatewayConfig } from '@app/common';
import { DrainState } from '@app/health';
import { installHttpObservability } from './observability/http-observer';
import { GatewayModule } from './gateway.module';

export interface CreateGatewayOptions {
  config: GatewayConfig;
  logger: PinoLogger;
  /** Pre-loaded credentials; loaded from config when omitted. */
  credentials?: LoadedCredentials;
  geminiHome?: string;
  /** Folder searched for ./oauth_creds.json (default: the working directory). */
  cwdForCredentials?: string;
}

/** Builds the app without listening, so main.ts and the tests share one wiring. */
export async function createGatewayApp(options: CreateGatewayOptions): Promise<NestFastifyApplication> {
  const credentials = options.credentials ?? (await loadGoogleCredentials({
    credentialsJson: options.config.google.credentialsJson,
    credentialsDir: options.config.google.credentialsDir,
    credentialsFile: options.config.google.credentialsFile,
    geminiHome: options.geminiHome,
    cwd: options.cwdForCredentials,
  }));
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
