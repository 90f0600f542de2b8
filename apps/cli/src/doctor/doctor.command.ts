import { integerOption, parseCommandLine, urlOption } from '../args';
import type { DoctorOptions } from './types';

export const DOCTOR_USAGE = `Usage: geminicli2api doctor [options]

Checks a running gateway end to end and says what is wrong and how to fix it.

Options:
  --url <url>             gateway URL (default http://127.0.0.1:$PORT, PORT default 8888)
  --key <key>             client key (default GEMINI_AUTH_PASSWORD, else the first GATEWAY_API_KEYS entry)
  --metrics-url <url>     metrics base URL (default: the gateway host, port $METRICS_PORT or 9464)
  --model <id>            model for the one-token generations (default gemini-2.5-flash)
  --timeout <ms>          per-request timeout (default 30000)
  --json                  print {ok, checks:[{id,title,status,detail,cause?,fix?}]} for scripts
  -h, --help              this text

Checks: reachable, health, ready, auth, models, generate-gemini, generate-openai, metrics, credentials,
project, redis, clock. This environment (and ./.env) is read with the gateway's own settings schema:
an invalid setting stops doctor as it would stop the gateway. Local checks use the gateway's credential
precedence (GEMINI_CREDENTIALS + GEMINI_CREDENTIALS_DIR, GOOGLE_APPLICATION_CREDENTIALS, ./oauth_creds.json,
~/.gemini) and REDIS_URL.

Exit codes: 0 no failure (warnings allowed), 1 at least one FAIL, 2 wrong usage.
`;

export function parseDoctorArgs(argv: string[]): Omit<DoctorOptions, 'env' | 'cwd'> & { help: boolean; json: boolean } {
  const values = parseCommandLine(argv, {
    url: { type: 'string' },
    key: { type: 'string' },
    'metrics-url': { type: 'string' },
    model: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  return {
    help: values.help === true,
    json: values.json === true,
    url: urlOption('url', values.url),
    key: values.key,
    metricsUrl: urlOption('metrics-url', values['metrics-url']),
    model: values.model,
    timeoutMs: integerOption('timeout', values.timeout, 1, 3_600_000),
  };
}
