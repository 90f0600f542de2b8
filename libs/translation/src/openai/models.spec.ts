import { ModelCatalog } from '../models/catalog';
import { OPENAI_MODEL_CREATED, toOpenAIModel, toOpenAIModelList } from './models';

describe('OpenAI model list', () => {
  it('lists every catalog entry with a constant created and owned_by google', () => {
    const catalog = new ModelCatalog();
    const list = toOpenAIModelList(catalog);
    expect(list.object).toBe('list');
    expect(list.data.map((model) => model.id)).toEqual(catalog.entries.map((entry) => entry.id));
    expect(list.data).toContainEqual({ id: 'gemini-2.5-pro-search-maxthinking', object: 'model', created: OPENAI_MODEL_CREATED, owned_by: 'google' });
    expect(new Set(list.data.map((model) => model.created))).toEqual(new Set([OPENAI_MODEL_CREATED]));
  });

  it('converts one entry', () => {
    expect(toOpenAIModel({ id: 'gemini-2.5-flash' })).toEqual({ id: 'gemini-2.5-flash', object: 'model', created: 1_735_689_600, owned_by: 'google' });
  });
});
