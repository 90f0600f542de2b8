import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Fixture files beside the translators (wire-true shapes, docs/wire/):
 * - {ok,not-ok}/requests/<name>.json: `{description, model, request, remoteImages?, expected}`;
 * - {ok,not-ok}/streams/<name>.jsonl: Code Assist stream events, one JSON per line (`{response, traceId}`),
 *   with `<name>.expected.json` beside: `{description, model, includeUsage, chunks, completion?, failure?}`.
 * `UPDATE_FIXTURES=1 npx jest libs/translation` rewrites `expected` from the current code; review the diff.
 */
export const FIXTURES_DIR = __dirname;
export const UPDATE_FIXTURES = process.env.UPDATE_FIXTURES === '1';

export interface RequestFixture {
  file: string;
  description: string;
  model: string;
  request: unknown;
  remoteImages?: Record<string, { mimeType: string; data: string }>;
  expected: unknown;
}

export function loadRequestFixtures(kind: 'ok' | 'not-ok'): RequestFixture[] {
  const dir = join(FIXTURES_DIR, kind, 'requests');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ file: join(dir, name), ...(JSON.parse(readFileSync(join(dir, name), 'utf8')) as Omit<RequestFixture, 'file'>) }));
}

export interface StreamFixture {
  name: string;
  /** The unwrapped GenerateContentResponse of every line. */
  chunks: unknown[];
  expectedFile: string;
  expected: { description: string; model: string; includeUsage: boolean; [key: string]: unknown };
}

export function loadStreamFixtures(kind: 'ok' | 'not-ok'): StreamFixture[] {
  const dir = join(FIXTURES_DIR, kind, 'streams');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => {
      const base = name.slice(0, -'.jsonl'.length);
      const lines = readFileSync(join(dir, name), 'utf8').split('\n').filter((line) => line.trim() !== '');
      const chunks = lines.map((line) => {
        const event = JSON.parse(line) as { response?: unknown };
        return event.response ?? event;
      });
      const expectedFile = join(dir, `${base}.expected.json`);
      const expected = existsSync(expectedFile) ? JSON.parse(readFileSync(expectedFile, 'utf8')) : { description: base, model: 'gemini-2.5-flash', includeUsage: true };
      return { name: base, chunks, expectedFile, expected };
    });
}

export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Deterministic `call_…` ids for tests. */
export function sequentialIds(prefix = 'call_'): () => string {
  let next = 0;
  return () => `${prefix}${String(next++).padStart(4, '0')}`;
}
