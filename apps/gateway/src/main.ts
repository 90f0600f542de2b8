import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { CredentialFormatError, credentialSourcesFrom, loadGoogleCredentials, noCredentialsWarning } from '@app/auth';
import { ConfigError, createLogger, loadConfig } from '@app/common';
import { createGatewayApp } from './app.factory';
import { installGracefulShutdown } from './shutdown';

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  let credentials;
  try {
    credentials = await loadGoogleCredentials(credentialSourcesFrom(config.google));
  } catch (error) {
    if (error instanceof CredentialFormatError) {
      process.stderr.write(`Invalid Google credentials: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (credentials.credentials.length === 0) {
    logger.warn({ msg: noCredentialsWarning() });
  } else {
    logger.info({ msg: 'Google credentials loaded', source: credentials.description, count: credentials.credentials.length, labels: credentials.credentials.map((credential) => credential.label) });
  }
  const app = await createGatewayApp({ config, logger, credentials });
  installGracefulShutdown(app, config, logger);
  await app.listen(config.http.port, config.http.host);
  logger.info({ msg: 'geminicli2api listening', host: config.http.host, port: config.http.port });
  if (config.clientAuth.generated) {
    // Printed once, to stdout only: there is no default password any more.
    process.stdout.write(`\nNo GEMINI_AUTH_PASSWORD or GATEWAY_API_KEYS set; generated a client key for this run:\n  ${config.clientAuth.keys[0].key}\nSet GEMINI_AUTH_PASSWORD to keep a stable key.\n\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`geminicli2api failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
