import { registerCleanup } from './cleanup';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { createGatewayApp } from '../../apps/gateway/src/app.factory';
import { MetricsServer, loadConfig, loggerOptions } from '@app/common';
import type { GoogleEmulator } from './emulator';

export const TEST_CLIENT_KEY = 'sk-test-client-key-0123456789';

export interface GatewayHarness {
  url: string;
  /** Base URL of the metrics listener (`${metricsUrl}/metrics`). */
  metricsUrl: string;
  app: NestFastifyApplication;
  /** Every JSON log line the gateway wrote (for redaction and request-id assertions). */
  logs: string[];
  close(): Promise<void>;
}

export interface StartGatewayOptions {
  emulator: GoogleEmulator;
  /** One credential object, an array of them, or nothing (then GEMINI_CREDENTIALS is unset). */
  credentials?: Record<string, unknown> | Array<Record<string, unknown>> | null;
  env?: Record<string, string>;
}

/** A credential JSON for an emulator account, in Gemini CLI's oauth_creds.json shape. */
export function credentialFor(refreshToken: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { refresh_token: refreshToken, token_type: 'Bearer', ...extra };
}

/**
 * Starts the real gateway in this process on a free loopback port, pointed at the emulator.
 * Only the env map given here is read (never the developer's own environment or ~/.gemini).
 */
export async function startGateway(options: StartGatewayOptions): Promise<GatewayHarness> {
  const env: Record<string, string> = {
    PORT: '1',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    GEMINI_AUTH_PASSWORD: TEST_CLIENT_KEY,
    CODE_ASSIST_ENDPOINT: options.emulator.url,
    GOOGLE_OAUTH_TOKEN_URL: options.emulator.tokenUrl,
    ONBOARDING_POLL_INTERVAL_MS: '20',
    METRICS_PORT: '0',
    ...options.env,
  };
  if (options.credentials) env.GEMINI_CREDENTIALS = JSON.stringify(options.credentials);
  const config = loadConfig(env);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = pino(loggerOptions(config.logLevel), sink);
  const app = await createGatewayApp({ config, logger, geminiHome: '/nonexistent-gemini-home', cwdForCredentials: '/nonexistent-cwd' });
  registerCleanup(() => app.close());
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const metricsPort = app.get(MetricsServer).port;
  return { url: `http://127.0.0.1:${port}`, metricsUrl: `http://127.0.0.1:${metricsPort}`, app, logs, close: () => app.close() };
}
