/**
 * Standalone emulator: `npm run emulator [-- --write-env .env]` (or `node dist/test/support/emulator/main.js`).
 * Env: EMULATOR_PORT (8090), EMULATOR_HOST (127.0.0.1), EMULATOR_REFRESH_TOKEN (emu-refresh-token),
 * EMULATOR_CLIENT_KEY (dev-key: the gateway client key put in the block).
 * Starts with one onboarded account and prints the gateway env block as `export` lines (and writes
 * it to the --write-env, which the gateway reads as .env); stops on SIGINT/SIGTERM.
 */
import { writeEnvArgument, renderExports, writeEnvFile } from './env-block';
import { GEMINI_CLI_CLIENT_ID, GEMINI_CLI_CLIENT_SECRET, emulateDirective, startEmulator } from './index';

async function main(): Promise<void> {
  const port = Number(process.env.EMULATOR_PORT ?? 8090);
  const host = process.env.EMULATOR_HOST ?? '127.0.0.1';
  const refreshToken = process.env.EMULATOR_REFRESH_TOKEN ?? 'emu-refresh-token';
  const clientKey = process.env.EMULATOR_CLIENT_KEY ?? 'dev-key';
  const envFile = writeEnvArgument(process.argv.slice(2));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`EMULATOR_PORT must be a port number, got ${process.env.EMULATOR_PORT}`);

  const emulator = await startEmulator({ port, host });
  emulator.addAccount({ refreshToken, onboarding: 'onboarded' });
  const credentials = JSON.stringify({
    type: 'authorized_user',
    client_id: GEMINI_CLI_CLIENT_ID,
    client_secret: GEMINI_CLI_CLIENT_SECRET,
    refresh_token: refreshToken,
  });

  const gatewayEnv = {
    CODE_ASSIST_ENDPOINT: emulator.url,
    GOOGLE_OAUTH_TOKEN_URL: emulator.tokenUrl,
    GEMINI_CREDENTIALS: credentials,
    GEMINI_AUTH_PASSWORD: clientKey,
  };
  if (envFile) writeEnvFile(envFile, gatewayEnv);

  const lines = [
    `Google emulator listening on ${emulator.url}`,
    `  Code Assist : ${emulator.url}/v1internal:<method>`,
    `  OAuth token : ${emulator.tokenUrl}`,
    `  Authorize   : ${emulator.url}/o/oauth2/v2/auth`,
    `  Account     : refresh token "${refreshToken}", project ${emulator.accountProject(refreshToken)}`,
    '',
    envFile
      ? `Gateway environment, written to ${envFile} (the gateway reads ./.env; in a shell: . ${envFile.includes('/') ? envFile : `./${envFile}`}):`
      : 'Gateway environment: paste into the shell that runs the gateway (or rerun with -- --write-env .env to write it):',
    ...renderExports(gatewayEnv),
    `Client key for requests: ${clientKey} (Authorization: Bearer ${clientKey})`,
    '',
    'Script a single call from the prompt (the last user message) with a directive:',
    `  ${emulateDirective({ kind: 'error', error: 'rate-limit', retryDelaySeconds: 3 })}`,
    `  ${emulateDirective({ kind: 'text', chunks: ['Hello', ' world'], chunkDelayMs: 200 })}`,
    `  ${emulateDirective({ kind: 'function-call', calls: [{ name: 'get_weather', args: { city: 'Paris' } }] })}`,
    '  kinds: text, function-call, error, cut-stream, abort-stream, safety-block, image, grounded, hang, raw-reply',
    '  errors: rate-limit, daily-quota, capacity, server, unavailable, not-found, unauthenticated,',
    '          validation-required, permission-denied, forbidden-resource, invalid-argument',
    'Without a directive every call answers "Echo: <last user text>".',
    '',
    'Press Ctrl+C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const stop = (signal: string): void => {
    process.stdout.write(`\n${signal} received, stopping the emulator\n`);
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
