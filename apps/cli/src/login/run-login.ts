import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { OAuth2Client } from 'google-auth-library';
import { GEMINI_CLI_CLIENT_ID, GEMINI_CLI_CLIENT_SECRET, createOAuthClient } from '@app/auth';
import { loadConfig } from '@app/common';
import { EXIT_FAILURE, EXIT_OK, type CliIo } from '../io';
import { googleTransport } from '../net';
import { authorizedUserFile, fileExists, geminiCliCredentialPath, readImportableCredential, writeCredentialFile, type AuthorizedUserFile } from './credential-file';
import { LoginFailedError } from './errors';
import { startLoopbackReceiver } from './loopback';
import { nextSteps } from './next-steps';
import { MANUAL_REDIRECT_URI, TokenEndpointError, authorizationRequest, createState, emailFromIdToken, exchangeAuthorizationCode } from './oauth';

export interface LoginOptions {
  /** Where to write the credential (default ./oauth_creds.json, relative to cwd). */
  out?: string;
  /** Replace an existing file. */
  force?: boolean;
  /** Headless: Google shows the code, the user pastes it (redirect https://codeassist.google.com/authcode). */
  noBrowser?: boolean;
  /** Loopback callback port; 0 or undefined = a free one. */
  port?: number;
  /** Loopback bind address (default 127.0.0.1). */
  host?: string;
  /** How long to wait for the browser or the pasted code (default 300). */
  timeoutSeconds?: number;
  /** Import instead of signing in: `true` = Gemini CLI's file, a string = that file. */
  importFrom?: string | true;
  authUrl?: string;
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  /**
   * The environment, parsed once by the gateway's own config schema (loadConfig): GOOGLE_OAUTH_AUTH_URL,
   * GOOGLE_OAUTH_TOKEN_URL, GEMINI_CLI_HOME, HTTPS_PROXY… An invalid one throws ConfigError.
   */
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface LoginResult {
  exitCode: number;
  /** Absolute path of the written file. */
  path?: string;
  email?: string;
  error?: string;
}

interface LoginSettings {
  out: string;
  force: boolean;
  timeoutMs: number;
  authUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  geminiHome?: string;
  oauthTimeoutMs: number;
}

/** `geminicli2api login`: installed-app OAuth (PKCE S256) or an import, then the credential file and next steps. */
export async function runLogin(options: LoginOptions, io: CliIo): Promise<LoginResult> {
  const config = loadConfig(options.env);
  const settings: LoginSettings = {
    out: resolve(options.cwd ?? process.cwd(), options.out ?? 'oauth_creds.json'),
    force: options.force === true,
    timeoutMs: Math.round((options.timeoutSeconds ?? 300) * 1000),
    authUrl: options.authUrl ?? config.google.oauthAuthUrl,
    tokenUrl: options.tokenUrl ?? config.google.oauthTokenUrl,
    clientId: options.clientId ?? GEMINI_CLI_CLIENT_ID,
    clientSecret: options.clientSecret ?? GEMINI_CLI_CLIENT_SECRET,
    geminiHome: config.google.geminiHome,
    oauthTimeoutMs: config.upstream.oauthTimeoutMs,
  };
  const http = googleTransport(config);
  const oauthClient = (redirectUri: string) =>
    createOAuthClient({ clientId: settings.clientId, clientSecret: settings.clientSecret, tokenUrl: settings.tokenUrl, authUrl: settings.authUrl, redirectUri, timeoutMs: settings.oauthTimeoutMs, fetchImplementation: http.fetch });
  try {
    // Checked before the browser dance, so a sign-in is never thrown away for a file that cannot be written.
    if (!settings.force && (await fileExists(settings.out))) {
      throw new LoginFailedError(`${settings.out} already exists; pass --force to replace it, or --out <file> to write elsewhere`);
    }
    if (!(await isDirectory(dirname(settings.out)))) throw new LoginFailedError(`the folder ${dirname(settings.out)} does not exist; create it or choose another --out`);
    const save = (file: AuthorizedUserFile) => writeCredentialFile(settings.out, file, settings.force);
    let email: string | undefined;
    if (options.importFrom !== undefined) {
      const source = options.importFrom === true ? geminiCliCredentialPath(settings.geminiHome) : resolve(options.cwd ?? process.cwd(), options.importFrom);
      const imported = await readImportableCredential(source, settings.tokenUrl);
      await save(imported.file);
      io.stdout(`Imported the login from ${source}${imported.hadClient ? '' : ' (Gemini CLI\'s public OAuth client filled in)'}.\n`);
    } else if (options.noBrowser) {
      const signedIn = await manualFlow(settings, io, oauthClient(MANUAL_REDIRECT_URI));
      await save(signedIn.file);
      email = signedIn.email;
    } else {
      email = (await loopbackFlow({ settings, options, io, oauthClient, save })).email;
    }
    io.stdout(`\nSaved the Google credential${email ? ` of ${email}` : ''} to ${settings.out} (mode 0600).\n\n`);
    io.stdout(nextSteps(settings.out, { foundByDefault: settings.out === resolve(options.cwd ?? process.cwd(), 'oauth_creds.json') }));
    return { exitCode: EXIT_OK, path: settings.out, email };
  } catch (error) {
    const message = error instanceof LoginFailedError || error instanceof TokenEndpointError ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    io.stderr(`\nlogin failed: ${message}\n`);
    return { exitCode: EXIT_FAILURE, error: message };
  } finally {
    await http.close();
  }
}

interface SignedIn {
  file: AuthorizedUserFile;
  email?: string;
}

interface LoopbackFlowInput {
  settings: LoginSettings;
  options: LoginOptions;
  io: CliIo;
  /** google-auth-library's client for the receiver's redirect URI. */
  oauthClient(redirectUri: string): OAuth2Client;
  /** Writes the file; runs before the browser is told "signed in", so the page never lies. */
  save(file: AuthorizedUserFile): Promise<void>;
}

async function loopbackFlow({ settings, options, io, oauthClient, save }: LoopbackFlowInput): Promise<SignedIn> {
  const state = createState();
  const receiver = await startLoopbackReceiver({ host: options.host ?? '127.0.0.1', port: options.port ?? 0, expectedState: state });
  try {
    const client = oauthClient(receiver.redirectUri);
    const { url, codeVerifier } = await authorizationRequest(client, receiver.redirectUri, state);
    io.stdout('Sign in with the Google account the gateway should use. Open this URL in a browser:\n\n');
    io.stdout(`${url}\n\n`);
    const opened = io.openBrowser ? await io.openBrowser(url).catch(() => false) : false;
    io.stdout(opened ? 'A browser window was opened for you.\n' : 'No browser could be opened from here: copy the URL into one.\n');
    io.stdout(`After you approve, Google sends the browser to ${receiver.redirectUri} on this machine.\n`);
    io.stdout(`Waiting up to ${seconds(settings.timeoutMs)} s. Browser on another machine (SSH, container)? Cancel and run \`geminicli2api login --no-browser\`.\n`);
    const code = await withTimeout(receiver.code, settings.timeoutMs, 'waiting for the browser');
    try {
      const signedIn = await exchange(settings, client, code, receiver.redirectUri, codeVerifier);
      await save(signedIn.file);
      receiver.finish({ ok: true, email: signedIn.email });
      return signedIn;
    } catch (error) {
      receiver.finish({ ok: false, message: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  } finally {
    await receiver.close();
  }
}

async function manualFlow(settings: LoginSettings, io: CliIo, client: OAuth2Client): Promise<SignedIn> {
  const readLine = io.readLine;
  if (!readLine) throw new LoginFailedError('--no-browser needs a terminal to paste the code into');
  const state = createState();
  const { url, codeVerifier } = await authorizationRequest(client, MANUAL_REDIRECT_URI, state);
  io.stdout('Sign in with the Google account the gateway should use. Open this URL in a browser on any machine:\n\n');
  io.stdout(`${url}\n\n`);
  io.stdout(`After you approve, Google shows an authorization code. Paste it here (within ${seconds(settings.timeoutMs)} s).\n`);
  const controller = new AbortController();
  let pasted: string;
  try {
    pasted = await withTimeout(readLine('Authorization code: ', controller.signal), settings.timeoutMs, 'waiting for the pasted code');
  } finally {
    controller.abort(new LoginFailedError('stopped reading'));
  }
  const code = codeFromPaste(pasted, state);
  return exchange(settings, client, code, MANUAL_REDIRECT_URI, codeVerifier);
}

/** Accepts the bare code, or the whole URL the browser landed on (then its state must match). */
export function codeFromPaste(pasted: string, expectedState: string): string {
  const text = pasted.trim();
  if (text === '') throw new LoginFailedError('no code was entered');
  if (/^https?:\/\//i.test(text)) {
    const url = new URL(text);
    const error = url.searchParams.get('error');
    if (error) throw new LoginFailedError(`Google did not grant access: ${error}`);
    const state = url.searchParams.get('state');
    if (state !== null && state !== expectedState) throw new LoginFailedError('state mismatch: the pasted URL belongs to another login attempt');
    const code = url.searchParams.get('code');
    if (!code) throw new LoginFailedError('the pasted URL carries no code');
    return code;
  }
  return decodeURIComponent(text);
}

async function exchange(settings: LoginSettings, client: OAuth2Client, code: string, redirectUri: string, codeVerifier: string): Promise<SignedIn> {
  const tokens = await exchangeAuthorizationCode(client, { code, codeVerifier, redirectUri, tokenUrl: settings.tokenUrl });
  return {
    email: emailFromIdToken(tokens.idToken),
    file: authorizedUserFile({
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      refreshToken: tokens.refreshToken,
      tokenUri: settings.tokenUrl,
      accessToken: tokens.accessToken,
      expiryDate: tokens.expiryDate,
      scope: tokens.scope,
    }),
  };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new LoginFailedError(`timed out after ${seconds(timeoutMs)} s ${what} (--timeout <seconds> to wait longer)`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(1)));
}
