import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CredentialFormatError, parseCredential } from '@app/auth';
import { LoginFailedError } from './errors';

/**
 * What `login` writes: an ADC `authorized_user` file that both the gateway (GOOGLE_APPLICATION_CREDENTIALS,
 * GEMINI_CREDENTIALS) and Google's libraries read. Gemini CLI's fields (`access_token`, `expiry_date` in ms,
 * `scope`) are kept, so the file also works as a Gemini CLI `oauth_creds.json`.
 */
export interface AuthorizedUserFile {
  type: 'authorized_user';
  client_id: string;
  client_secret: string;
  refresh_token: string;
  token_uri: string;
  access_token?: string;
  token_type?: 'Bearer';
  expiry_date?: number;
  scope?: string;
  project_id?: string;
}

export interface NormalizeInput {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  tokenUri: string;
  accessToken?: string;
  expiryDate?: number;
  scope?: string;
  projectId?: string;
}

export function authorizedUserFile(input: NormalizeInput): AuthorizedUserFile {
  return {
    type: 'authorized_user',
    client_id: input.clientId,
    client_secret: input.clientSecret,
    refresh_token: input.refreshToken,
    token_uri: input.tokenUri,
    ...(input.accessToken ? { access_token: input.accessToken, token_type: 'Bearer' as const } : {}),
    ...(input.expiryDate !== undefined && input.accessToken ? { expiry_date: input.expiryDate } : {}),
    ...(input.scope ? { scope: input.scope } : {}),
    ...(input.projectId ? { project_id: input.projectId } : {}),
  };
}

/** Gemini CLI's own login file: `$GEMINI_CLI_HOME/.gemini/oauth_creds.json` (config.google.geminiHome), else `~/.gemini/oauth_creds.json`. */
export function geminiCliCredentialPath(geminiHome: string | undefined): string {
  return join(geminiHome ?? homedir(), '.gemini', 'oauth_creds.json');
}

/**
 * Reads a Gemini CLI (or the original gateway's) credential file and normalizes it. The shape check is the
 * gateway's own parser, so a file accepted here is a file the gateway accepts.
 */
export async function readImportableCredential(path: string, tokenUri: string): Promise<{ file: AuthorizedUserFile; hadClient: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LoginFailedError(`no credential file at ${path} (sign in with Gemini CLI first, or pass the path: --import <file>)`);
    if (code === 'EISDIR') throw new LoginFailedError(`${path} is a directory, not a credential file`);
    throw new LoginFailedError(`cannot read ${path} (${code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new LoginFailedError(`${path} is not valid JSON`);
  }
  if (Array.isArray(parsed)) throw new LoginFailedError(`${path} holds a list of credentials; import them one by one or pass the list as GEMINI_CREDENTIALS`);
  let credential;
  try {
    credential = parseCredential(parsed, path, 'imported');
  } catch (error) {
    if (error instanceof CredentialFormatError) throw new LoginFailedError(`${error.message}. Without a refresh_token the login expires within the hour; run \`geminicli2api login\` instead.`);
    throw error;
  }
  const data = parsed as Record<string, unknown>;
  const scope = typeof data.scope === 'string' ? data.scope : Array.isArray(data.scopes) ? data.scopes.filter((entry) => typeof entry === 'string').join(' ') : undefined;
  return {
    hadClient: typeof data.client_id === 'string' && data.client_id !== '',
    file: authorizedUserFile({
      clientId: credential.clientId,
      clientSecret: credential.clientSecret,
      refreshToken: credential.refreshToken,
      tokenUri,
      accessToken: credential.accessToken,
      expiryDate: credential.expiryMs,
      scope: scope || undefined,
      projectId: credential.projectId,
    }),
  };
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the file with mode 0600 through a temporary file in the same folder and a rename, so a reader never sees
 * half a file and the secret never exists with wider permissions. Without `force`, an existing file is kept.
 */
export async function writeCredentialFile(path: string, content: AuthorizedUserFile, force: boolean): Promise<void> {
  if (!force && (await fileExists(path))) throw new LoginFailedError(`${path} already exists; pass --force to replace it, or --out <file> to write elsewhere`);
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(temporary, 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LoginFailedError(`cannot write in ${dirname(path)} (${code ?? 'error'})${code === 'ENOENT' ? ': the folder does not exist' : ''}`);
  }
  try {
    await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`, 'utf8');
    await handle.chmod(0o600);
  } finally {
    await handle.close();
  }
  try {
    if (!force && (await fileExists(path))) throw new LoginFailedError(`${path} appeared while logging in; pass --force to replace it`);
    await rename(temporary, path);
    await chmod(path, 0o600);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    if (error instanceof LoginFailedError) throw error;
    throw new LoginFailedError(`cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
