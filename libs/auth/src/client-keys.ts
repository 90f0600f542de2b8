import { createHash, timingSafeEqual } from 'node:crypto';
import type { ClientKey } from '@app/common';

export interface RequestCredentials {
  authorization?: string;
  googApiKey?: string;
  /** `x-api-key`, Anthropic's form. */
  apiKey?: string;
  queryKey?: string;
}

type HeaderValue = string | string[] | undefined;

/** Collects every accepted key form from a request's headers and parsed query. */
export function credentialsOf(headers: Record<string, HeaderValue>, query: unknown): RequestCredentials {
  const first = (value: HeaderValue) => (Array.isArray(value) ? value[0] : value);
  const queryKey = (query as Record<string, unknown> | undefined)?.key;
  return {
    authorization: first(headers.authorization),
    googApiKey: first(headers['x-goog-api-key']),
    apiKey: first(headers['x-api-key']),
    queryKey: typeof queryKey === 'string' ? queryKey : undefined,
  };
}

/**
 * Checks a client key in the forms the original accepted: `Authorization: Bearer <key>`,
 * HTTP Basic with any user name and the key as password, `x-goog-api-key: <key>` and `?key=<key>`;
 * plus `x-api-key: <key>` (Anthropic's form).
 * Comparison is constant-time over SHA-256 digests, so neither content nor length leaks.
 * Returns the key's name (used by logs and metrics), never the key.
 */
export class ClientKeyVerifier {
  private readonly digests: Array<{ name: string; digest: Buffer }>;

  constructor(keys: readonly ClientKey[]) {
    this.digests = keys.map((entry) => ({ name: entry.name, digest: sha256(entry.key) }));
  }

  identify(credentials: RequestCredentials): string | undefined {
    for (const candidate of candidatesOf(credentials)) {
      const name = this.match(candidate);
      if (name) return name;
    }
    return undefined;
  }

  private match(candidate: string): string | undefined {
    const digest = sha256(candidate);
    let found: string | undefined;
    for (const entry of this.digests) {
      // Compare against every key (no early exit) so timing does not reveal which one matched.
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.name;
    }
    return found;
  }
}

/** The key values a request presents, in every accepted form. */
export function candidatesOf(credentials: RequestCredentials): string[] {
  const candidates: string[] = [];
  if (credentials.queryKey) candidates.push(credentials.queryKey);
  if (credentials.googApiKey) candidates.push(credentials.googApiKey.trim());
  if (credentials.apiKey) candidates.push(credentials.apiKey.trim());
  const authorization = credentials.authorization?.trim();
  if (authorization) {
    const [scheme, ...rest] = authorization.split(/\s+/);
    const value = rest.join(' ');
    if (/^bearer$/i.test(scheme) && value) candidates.push(value);
    if (/^basic$/i.test(scheme) && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const separator = decoded.indexOf(':');
      if (separator >= 0) candidates.push(decoded.slice(separator + 1));
    }
  }
  return candidates;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
