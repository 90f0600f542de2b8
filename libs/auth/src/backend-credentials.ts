import { createHash } from 'node:crypto';

/** Which Google service a credential calls (docs/backends.md). */
export type BackendName = 'code_assist' | 'gemini_api' | 'vertex';

/** Where a Vertex AI credential sends its calls, and how it gets a token. */
export interface VertexTarget {
  project: string;
  location: string;
  /** A service-account key (its JSON as given); absent for `vertex_adc` (ambient identity). */
  serviceAccount?: ServiceAccountKey;
  /** `vertex_adc` with `key_file`: a service-account key file read at first use (e.g. mounted from a Kubernetes Secret). */
  keyFile?: string;
}

export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  tokenUri?: string;
}

/** The parts of a Google service-account key file the gateway uses. */
export function serviceAccountKeyOf(data: Record<string, unknown>, source: string): ServiceAccountKey {
  const clientEmail = text(data.client_email);
  const privateKey = text(data.private_key);
  if (data.type !== 'service_account' || !clientEmail || !privateKey) throw new CredentialFormatError(`${source}: a service-account key needs "type":"service_account", "client_email" and "private_key"`);
  return { clientEmail, privateKey, tokenUri: text(data.token_uri) };
}

/** The fields every credential item may carry besides its secret. */
export interface RoutingFields {
  label?: string;
  weight: number;
  /** Lower serves first; a higher priority serves only when every lower one is unusable. Default 1. */
  priority: number;
  /** Model globs it may serve (`gemini-2.5-*`); absent: every model. */
  models?: string[];
}

/** A credential item that cannot be used as given (the message names its source, never its secret). */
export class CredentialFormatError extends Error {}

export function routingFields(data: Record<string, unknown>, source: string): RoutingFields {
  const weight = Number(data.weight ?? 1);
  const priority = Number(data.priority ?? 1);
  if (!Number.isInteger(priority) || priority < 0) throw new CredentialFormatError(`${source}: "priority" must be a whole number ≥ 0`);
  let models: string[] | undefined;
  if (data.models !== undefined) {
    if (!Array.isArray(data.models) || data.models.length === 0 || !data.models.every((model) => typeof model === 'string' && model.trim() !== '')) {
      throw new CredentialFormatError(`${source}: "models" must be a non-empty array of model names or globs`);
    }
    models = data.models.map((model) => (model as string).trim().replace(/^models\//, ''));
  }
  return { label: text(data.label), weight: Number.isFinite(weight) && weight > 0 ? weight : 1, priority, models };
}

/** `{"type":"gemini_api_key","api_key":"…"}` → the key (never logged; the id is its hash). */
export function apiKeyOf(data: Record<string, unknown>, source: string): string {
  const key = text(data.api_key);
  if (!key) throw new CredentialFormatError(`${source}: a gemini_api_key item needs "api_key"`);
  return key;
}

/** A service-account JSON with `"vertex":{project,location}`, or `{"type":"vertex_adc",project,location}`. */
export function vertexTargetOf(data: Record<string, unknown>, source: string): VertexTarget {
  const where = data.type === 'vertex_adc' ? data : (data.vertex as Record<string, unknown> | undefined);
  const project = text(where?.project);
  const location = text(where?.location);
  if (!project || !location) {
    const hint = data.type === 'vertex_adc' ? '"project" and "location"' : '"vertex":{"project":"…","location":"…"} (a service-account key serves Vertex AI; Code Assist needs a user login)';
    throw new CredentialFormatError(`${source}: needs ${hint}`);
  }
  if (!/^[a-z0-9-]{1,63}$/.test(location)) throw new CredentialFormatError(`${source}: "location" must look like us-central1 or global`);
  if (data.type === 'vertex_adc') return { project, location, keyFile: text(data.key_file) };
  return { project, location, serviceAccount: serviceAccountKeyOf(data, source) };
}

/** Stable, non-secret id from the secret part of a credential (same on every replica). */
export function hashId(kind: string, secret: string): string {
  return createHash('sha256').update(`${kind}\0${secret}`).digest('hex').slice(0, 16);
}

const compiledGlobs = new Map<string, RegExp>();

/** `gemini-2.5-*` style globs; `*` matches any run of characters. Compiled once per glob (pick runs on every call). */
export function modelMatches(globs: readonly string[] | undefined, model: string): boolean {
  if (!globs) return true;
  return globs.some((glob) => {
    if (!glob.includes('*')) return glob === model;
    let pattern = compiledGlobs.get(glob);
    if (!pattern) {
      pattern = new RegExp(`^${glob.split('*').map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      compiledGlobs.set(glob, pattern);
    }
    return pattern.test(model);
  });
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
