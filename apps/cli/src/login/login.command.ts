import { integerOption, parseCommandLine, positiveNumberOption, urlOption } from '../args';
import type { LoginOptions } from './run-login';

export const LOGIN_USAGE = `Usage: geminicli2api login [options]

Signs in with Google (Gemini CLI's OAuth client, PKCE) and writes the credential file the gateway reads.

Options:
  --out <file>            where to write the credential (default ./oauth_creds.json), mode 0600
  --force                 replace the file if it exists
  --no-browser            headless: open the URL anywhere, paste the code Google shows
  --port <n>              loopback callback port (default: a free one)
  --timeout <seconds>     how long to wait for the browser or the code (default 300)
  --import [<file>]       copy Gemini CLI's login instead ($GEMINI_CLI_HOME/.gemini/oauth_creds.json,
                          ~/.gemini/oauth_creds.json, or <file>)
  --auth-url <url>        authorization endpoint (env GOOGLE_OAUTH_AUTH_URL; default Google's)
  --token-url <url>       token endpoint (env GOOGLE_OAUTH_TOKEN_URL; default Google's)
  --client-id <id>        OAuth client (default Gemini CLI's public one)
  --client-secret <s>     OAuth client secret (default Gemini CLI's public one)
  -h, --help              this text

Exit codes: 0 saved, 1 failed, 2 wrong usage.
`;

/** `--import` takes an optional value, which parseArgs cannot express: rewrite it to `--import=<value>`. */
function normalizeImport(argv: string[]): string[] {
  const result: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === '--import') {
      const next = argv[index + 1];
      if (next !== undefined && !next.startsWith('-')) {
        result.push(`--import=${next}`);
        index += 1;
      } else {
        result.push('--import=');
      }
    } else {
      result.push(argument);
    }
  }
  return result;
}

export function parseLoginArgs(argv: string[]): Omit<LoginOptions, 'env' | 'cwd'> & { help: boolean } {
  const values = parseCommandLine(normalizeImport(argv), {
    out: { type: 'string', short: 'o' },
    force: { type: 'boolean', short: 'f' },
    'no-browser': { type: 'boolean' },
    port: { type: 'string' },
    timeout: { type: 'string' },
    import: { type: 'string' },
    'auth-url': { type: 'string' },
    'token-url': { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  return {
    help: values.help === true,
    out: values.out,
    force: values.force,
    noBrowser: values['no-browser'],
    port: integerOption('port', values.port, 0, 65535),
    timeoutSeconds: positiveNumberOption('timeout', values.timeout),
    importFrom: values.import === undefined ? undefined : values.import === '' ? true : values.import,
    authUrl: urlOption('auth-url', values['auth-url']),
    tokenUrl: urlOption('token-url', values['token-url']),
    clientId: values['client-id'],
    clientSecret: values['client-secret'],
  };
}
