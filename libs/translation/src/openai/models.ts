import type { CatalogEntry, ModelCatalog } from '../models/catalog';
import type { OpenAIModel, OpenAIModelList } from './types';

/**
 * `created` for every listed model. The catalog has no release dates and a model list that changes
 * between calls would churn client caches, so it is one fixed instant: 2025-01-01T00:00:00Z.
 */
export const OPENAI_MODEL_CREATED = 1_735_689_600;

export function toOpenAIModel(entry: Pick<CatalogEntry, 'id'>): OpenAIModel {
  return { id: entry.id, object: 'model', created: OPENAI_MODEL_CREATED, owned_by: 'google' };
}

/** `GET /v1/models`: every catalog entry (bases and variants), in catalog order. */
export function toOpenAIModelList(catalog: Pick<ModelCatalog, 'entries'>): OpenAIModelList {
  return { object: 'list', data: catalog.entries.map(toOpenAIModel) };
}
