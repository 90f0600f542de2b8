import { z } from 'zod';
import { InvalidRequestError } from '@app/common';
import type { GeminiContent, GenerateContentRequest } from '@app/translation';

/**
 * Lenient where Google is lenient (unknown fields pass through untouched), strict on the shapes
 * that would otherwise reach Google as junk: contents must be a non-empty list of {role?, parts[]}.
 */
const part = z.object({}).passthrough();
const content = z.object({ role: z.string().optional(), parts: z.array(part).min(1, 'must contain at least one part') }).passthrough();
const object = z.object({}).passthrough();

export const generateContentSchema = z.object({
  contents: z.array(content).min(1, 'must contain at least one content'),
  systemInstruction: z.union([content, object]).optional(),
  tools: z.array(object).optional(),
  toolConfig: object.optional(),
  safetySettings: z.array(z.object({ category: z.string(), threshold: z.string() }).passthrough()).optional(),
  generationConfig: object.optional(),
  cachedContent: z.string().optional(),
}).passthrough();

const countTokensSchema = z.union([
  z.object({ contents: z.array(content).min(1, 'must contain at least one content') }).passthrough(),
  z.object({ generateContentRequest: generateContentSchema }).passthrough(),
]);

export function parseGenerateContentBody(body: unknown): GenerateContentRequest {
  return check(generateContentSchema, body) as GenerateContentRequest;
}

export function parseCountTokensBody(body: unknown): { contents: GeminiContent[] } {
  const parsed = check(countTokensSchema, body) as { contents?: GeminiContent[]; generateContentRequest?: GenerateContentRequest };
  return { contents: parsed.contents ?? parsed.generateContentRequest?.contents ?? [] };
}

function check(schema: z.ZodType, body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('Invalid JSON payload: the request body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = deepestIssue(result.error.issues);
  const path = issue.path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`)).join('').replace(/^\./, '');
  throw new InvalidRequestError(`Invalid value at '${path || 'body'}': ${issue.message}.`, { param: path || null });
}

/** For unions zod reports "invalid input" at the top; the useful message is in the branch that got furthest. */
function deepestIssue(issues: z.core.$ZodIssue[]): z.core.$ZodIssue {
  let best = issues[0];
  for (const issue of issues) {
    const nested = issue.code === 'invalid_union' ? (issue.errors ?? []).flat() : [];
    for (const candidate of nested) {
      const full = { ...candidate, path: [...issue.path, ...candidate.path] } as z.core.$ZodIssue;
      if (full.path.length > best.path.length || best.code === 'invalid_union') best = full;
    }
  }
  return best;
}
