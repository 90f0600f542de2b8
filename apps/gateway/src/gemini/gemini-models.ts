import { InvalidRequestError } from '@app/common';
import type { CatalogEntry } from '@app/translation';

/** Google's `Model` resource for a catalog entry (docs/wire/gemini-api.md, Models). */
export function toGeminiModel(entry: CatalogEntry): Record<string, unknown> {
  const model: Record<string, unknown> = {
    name: `models/${entry.id}`,
    baseModelId: entry.base.id,
    version: '001',
    displayName: entry.displayName,
    description: entry.description,
    inputTokenLimit: entry.base.inputTokenLimit,
    outputTokenLimit: entry.base.outputTokenLimit,
    supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
    temperature: 1,
    maxTemperature: 2,
    topP: 0.95,
    topK: 64,
  };
  if (entry.base.thinking.kind !== 'none') model.thinking = true;
  return model;
}

/** `pageSize` (default 50, max 1000) and an opaque `pageToken`, as Google pages ListModels. */
export function pageOf<T>(items: readonly T[], query: { pageSize?: unknown; pageToken?: unknown }): { page: T[]; nextPageToken?: string } {
  const sizeText = query.pageSize;
  let size = 50;
  if (sizeText !== undefined && sizeText !== '') {
    size = Number(sizeText);
    if (!Number.isInteger(size) || size < 0) throw new InvalidRequestError('pageSize must be a non-negative integer.', { param: 'pageSize' });
    if (size === 0) size = 50;
    size = Math.min(size, 1000);
  }
  let offset = 0;
  if (typeof query.pageToken === 'string' && query.pageToken !== '') {
    const decoded = Number(Buffer.from(query.pageToken, 'base64url').toString('utf8').replace(/^offset:/, ''));
    if (!Number.isInteger(decoded) || decoded < 0 || decoded > items.length) throw new InvalidRequestError('pageToken is invalid or expired.', { param: 'pageToken' });
    offset = decoded;
  }
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length ? { page, nextPageToken: Buffer.from(`offset:${next}`).toString('base64url') } : { page };
}
