import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { GatewayConfig } from '@app/common';
import { CREDENTIAL_SOURCES } from './credential-help';
import { CredentialFormatError, apiKeyOf, hashId, routingFields, vertexTargetOf, type BackendName, type VertexTarget } from './backend-credentials';

/** Gemini CLI's public installed-app client (docs/wire/oauth.md). */
export const GEMINI_CLI_CLIENT_ID = '681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com';
export const GEMINI_CLI_CLIENT_SECRET = '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';

export interface GoogleCredential {
  /** Stable, non-secret id: a hash of the refresh token. Same on every replica. */
  id: string;
  /** Human label for logs, metrics and status (never a secret). */
  label: string;
  /** Where it came from, for error messages ("GEMINI_CREDENTIALS", a file path). */
  source: string;
  refreshToken: string;
  clientId: string;
  clientSecret: string;
  /** An access token that came with the file, if any, and when it expires (epoch ms). */
  accessToken?: string;
  expiryMs?: number;
  projectId?: string;
  weight: number;
  /** Which Google service it calls; absent: Code Assist (a user login). */
  backend?: BackendName;
  /** `gemini_api_key` items: the key (a secret: never logged, never in an error). */
  apiKey?: string;
  /** Vertex AI items: project, location and (for a service account) the key. */
  vertex?: VertexTarget;
  /** Lower serves first (default 1); see CredentialPool.pick. */
  priority?: number;
  /** Model globs it may serve; absent: every model. */
  models?: string[];
}

export { CredentialFormatError };

/**
 * Accepts both shapes our users have: Gemini CLI's `oauth_creds.json` (`access_token`,
 * `expiry_date` in ms) and the original gateway's (`token`, ISO `expiry`, `client_id`…), plus
 * ADC `authorized_user` files. `client_id`/`client_secret` default to Gemini CLI's public ones.
 */
export function parseCredential(value: unknown, source: string, fallbackLabel: string): GoogleCredential {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CredentialFormatError(`${source}: expected a JSON object with a refresh_token`);
  }
  const data = value as Record<string, unknown>;
  const routing = routingFields(data, source);
  const label = routing.label ?? fallbackLabel;
  const common = { label, source, weight: routing.weight, priority: routing.priority, models: routing.models, refreshToken: '', clientId: '', clientSecret: '' };
  if (data.type === 'gemini_api_key') {
    const apiKey = apiKeyOf(data, source);
    return { ...common, id: hashId('gemini_api_key', apiKey), backend: 'gemini_api', apiKey };
  }
  if (data.type === 'vertex_adc' || (data.type === 'service_account' && data.vertex !== undefined)) {
    const vertex = vertexTargetOf(data, source);
    const identity = vertex.serviceAccount?.clientEmail ?? vertex.keyFile ?? 'adc';
    return { ...common, id: hashId('vertex', `${identity}\0${vertex.project}\0${vertex.location}`), backend: 'vertex', vertex };
  }
  const refreshToken = text(data.refresh_token);
  if (!refreshToken) {
    const hint = data.type === 'service_account'
      ? ' (this is a service-account key: add "vertex":{"project":"…","location":"…"} to serve Vertex AI with it, or use a user login for Code Assist: `npx geminicli2api login`)'
      : '';
    throw new CredentialFormatError(`${source}: has no refresh_token${hint}`);
  }
  const accessToken = text(data.access_token) ?? text(data.token);
  return {
    id: credentialId(refreshToken),
    label,
    source,
    refreshToken,
    clientId: text(data.client_id) ?? GEMINI_CLI_CLIENT_ID,
    clientSecret: text(data.client_secret) ?? GEMINI_CLI_CLIENT_SECRET,
    accessToken,
    expiryMs: accessToken ? expiryOf(data) : undefined,
    projectId: text(data.project_id) ?? text(data.project) ?? text(data.quota_project_id),
    weight: routing.weight,
    priority: routing.priority,
    models: routing.models,
  };
}

export function credentialId(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('hex').slice(0, 16);
}

function expiryOf(data: Record<string, unknown>): number | undefined {
  if (typeof data.expiry_date === 'number' && Number.isFinite(data.expiry_date)) return data.expiry_date;
  if (typeof data.expiry_date === 'string' && /^\d+$/.test(data.expiry_date)) return Number(data.expiry_date);
  const iso = text(data.expiry);
  if (iso) {
    const parsed = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
    if (Number.isFinite(parsed)) return parsed;
  }
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export interface CredentialSources {
  credentialsJson?: string;
  /** A folder of credential JSON files (e.g. a mounted Kubernetes Secret). */
  credentialsDir?: string;
  credentialsFile?: string;
  cwd?: string;
  /** Gemini CLI's home: GEMINI_CLI_HOME or the OS home. */
  geminiHome?: string;
}

/**
 * The sources as the gateway's typed config names them. Every reader of credentials (the gateway,
 * `geminicli2api doctor`) goes through this, so the precedence below is the same everywhere.
 */
export function credentialSourcesFrom(google: GatewayConfig['google'], cwd?: string): CredentialSources {
  return {
    credentialsJson: google.credentialsJson,
    credentialsDir: google.credentialsDir,
    credentialsFile: google.credentialsFile,
    geminiHome: google.geminiHome,
    cwd,
  };
}

export interface LoadedCredentials {
  credentials: GoogleCredential[];
  /** Which source was used, or why none was. */
  description: string;
}

/**
 * Precedence (the original's, kept): GEMINI_CREDENTIALS (JSON: one object or an array) and
 * GEMINI_CREDENTIALS_DIR (every JSON file in a folder) together form the pool; without them,
 * GOOGLE_APPLICATION_CREDENTIALS (path) > ./oauth_creds.json > ~/.gemini/oauth_creds.json.
 * A source that is set but broken is an error, never silently skipped. The same refresh token
 * listed twice is one account; labels are made unique.
 */
export async function loadGoogleCredentials(sources: CredentialSources): Promise<LoadedCredentials> {
  const cwd = sources.cwd ?? process.cwd();
  if (sources.credentialsJson || sources.credentialsDir) {
    const pool: GoogleCredential[] = [];
    const described: string[] = [];
    if (sources.credentialsJson) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(sources.credentialsJson);
      } catch {
        throw new CredentialFormatError('GEMINI_CREDENTIALS: is not valid JSON');
      }
      pool.push(...parseMany(parsed, 'GEMINI_CREDENTIALS'));
      described.push('GEMINI_CREDENTIALS');
    }
    if (sources.credentialsDir) {
      const directory = resolve(cwd, sources.credentialsDir);
      pool.push(...(await readCredentialDir(directory)));
      described.push(directory);
    }
    return { credentials: uniqueAccounts(pool), description: described.join(' + ') };
  }
  if (sources.credentialsFile) {
    const path = resolve(cwd, sources.credentialsFile);
    const parsed = await readJsonFile(path, 'GOOGLE_APPLICATION_CREDENTIALS');
    if (parsed === undefined) throw new CredentialFormatError(`GOOGLE_APPLICATION_CREDENTIALS: no file at ${path}`);
    return { credentials: parseMany(parsed, path), description: path };
  }
  for (const path of [join(cwd, 'oauth_creds.json'), join(sources.geminiHome ?? homedir(), '.gemini', 'oauth_creds.json')]) {
    const parsed = await readJsonFile(path, path);
    if (parsed !== undefined) return { credentials: parseMany(parsed, path), description: path };
  }
  return { credentials: [], description: `none found in ${CREDENTIAL_SOURCES}` };
}

/** Regular files (symlinks followed, as Kubernetes mounts Secrets), dotfiles skipped, sorted by name. */
async function readCredentialDir(directory: string): Promise<GoogleCredential[]> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => !name.startsWith('.')).sort();
  } catch (error) {
    throw new CredentialFormatError(`GEMINI_CREDENTIALS_DIR: cannot read ${directory} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const credentials: GoogleCredential[] = [];
  for (const name of names) {
    const path = join(directory, name);
    if (!(await stat(path)).isFile()) continue;
    const parsed = await readJsonFile(path, 'GEMINI_CREDENTIALS_DIR');
    const base = name.replace(/\.json$/i, '');
    const entries = Array.isArray(parsed) ? parsed : [parsed];
    entries.forEach((entry, index) => credentials.push(parseCredential(entry, path, entries.length > 1 ? `${base}-${index + 1}` : base)));
  }
  if (credentials.length === 0) throw new CredentialFormatError(`GEMINI_CREDENTIALS_DIR: no credential files in ${directory}`);
  return credentials;
}

function uniqueAccounts(credentials: GoogleCredential[]): GoogleCredential[] {
  const byId = new Map<string, GoogleCredential>();
  for (const credential of credentials) if (!byId.has(credential.id)) byId.set(credential.id, credential);
  const seen = new Map<string, number>();
  return [...byId.values()].map((credential) => {
    const count = (seen.get(credential.label) ?? 0) + 1;
    seen.set(credential.label, count);
    return count === 1 ? credential : { ...credential, label: `${credential.label}-${count}` };
  });
}

function parseMany(parsed: unknown, source: string): GoogleCredential[] {
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) throw new CredentialFormatError(`${source}: the array is empty`);
    return parsed.map((entry, index) => parseCredential(entry, `${source}[${index}]`, `account-${index + 1}`));
  }
  return [parseCredential(parsed, source, 'default')];
}

async function readJsonFile(path: string, name: string): Promise<unknown> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new CredentialFormatError(`${name}: ${path} is a directory, not a JSON file`);
    throw new CredentialFormatError(`${name}: cannot read ${path} (${code ?? 'error'})`);
  }
  try {
    return JSON.parse(content);
  } catch {
    throw new CredentialFormatError(`${name}: ${path} is not valid JSON`);
  }
}
