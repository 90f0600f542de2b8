import { createHash } from 'node:crypto';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import type { ClientKeyPolicy } from '@app/common';

/** One key of the keys file: a name for logs and usage, the secret's digest, and its policy. */
export interface PolicyKey {
  name: string;
  digest: Buffer;
  policy: ClientKeyPolicy;
}

const positive = z.number().int().positive();
const keySchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'letters, digits, . _ @ - (at most 64)'),
  key: z.string().min(8, 'at least 8 characters').optional(),
  keySha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'the hex SHA-256 of the key (64 hex digits)').optional(),
  models: z.array(z.string().min(1)).optional(),
  requestsPerMinute: positive.optional(),
  tokensPerDay: positive.optional(),
  maxConcurrent: positive.optional(),
  expiresAt: z.union([z.string(), z.date()]).optional(),
}).strict();

const fileSchema = z.object({ keys: z.array(keySchema) }).strict();

export class KeysFileError extends Error {}

/**
 * Parses the keys file (YAML, or JSON, which YAML reads too). Every problem is listed by its place
 * (`keys.2.requestsPerMinute: …`); no message ever quotes the file's text, which holds secrets.
 */
export function parseKeysFile(text: string): PolicyKey[] {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: false });
  } catch (error) {
    const line = error instanceof YAMLParseError ? error.linePos?.[0]?.line : undefined;
    throw new KeysFileError(`not valid YAML or JSON${line ? ` (line ${line})` : ''}`);
  }
  const parsed = fileSchema.safeParse(document ?? {});
  if (!parsed.success) {
    throw new KeysFileError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; '));
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  const keys: PolicyKey[] = [];
  parsed.data.keys.forEach((entry, index) => {
    if (seen.has(entry.name)) problems.push(`keys.${index}.name: "${entry.name}" appears twice`);
    seen.add(entry.name);
    if ((entry.key === undefined) === (entry.keySha256 === undefined)) problems.push(`keys.${index}: give exactly one of key or keySha256`);
    let expiresAt: number | undefined;
    if (entry.expiresAt !== undefined) {
      expiresAt = entry.expiresAt instanceof Date ? entry.expiresAt.getTime() : Date.parse(entry.expiresAt);
      if (!Number.isFinite(expiresAt)) problems.push(`keys.${index}.expiresAt: not a date (use 2027-01-01T00:00:00Z)`);
    }
    const digest = entry.key !== undefined ? createHash('sha256').update(entry.key, 'utf8').digest() : Buffer.from(entry.keySha256 ?? '', 'hex');
    const policy: ClientKeyPolicy = {};
    if (entry.models) policy.models = entry.models;
    if (entry.requestsPerMinute) policy.requestsPerMinute = entry.requestsPerMinute;
    if (entry.tokensPerDay) policy.tokensPerDay = entry.tokensPerDay;
    if (entry.maxConcurrent) policy.maxConcurrent = entry.maxConcurrent;
    if (expiresAt !== undefined) policy.expiresAt = expiresAt;
    keys.push({ name: entry.name, digest, policy });
  });
  if (problems.length > 0) throw new KeysFileError(problems.join('; '));
  return keys;
}

/** `gemini-2.5-flash*` → a matcher over whole names (`*` any run, `?` one character). */
export function globMatcher(patterns: readonly string[]): (name: string) => boolean {
  const expressions = patterns.map((pattern) => new RegExp(`^${pattern.split('*').map((part) => part.split('?').map(escape).join('.')).join('.*')}$`, 'i'));
  return (name) => expressions.some((expression) => expression.test(name));
}

function escape(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}
