import { ModelCatalog } from '../models/catalog';
import { applyNativeDefaults } from './native-defaults';

describe('applyNativeDefaults', () => {
  const catalog = new ModelCatalog();
  const contents = [{ role: 'user', parts: [{ text: 'hi' }] }];

  it('fills safety, thinking and search only where the client set nothing', () => {
    const result = applyNativeDefaults({ contents }, catalog.resolve('gemini-2.5-pro-search')!);
    expect(result.safetySettings?.every((setting) => setting.threshold === 'BLOCK_NONE')).toBe(true);
    expect(result.generationConfig?.thinkingConfig).toEqual({ thinkingBudget: -1, includeThoughts: true });
    expect(result.tools).toEqual([{ googleSearch: {} }]);
  });

  it('leaves the client\'s own settings untouched and does not mutate the input', () => {
    const body = { contents, safetySettings: [], generationConfig: { temperature: 0, thinkingConfig: { thinkingLevel: 'LOW' } }, tools: [{ googleSearch: {} }, { functionDeclarations: [] }] };
    const snapshot = JSON.stringify(body);
    const result = applyNativeDefaults(body, catalog.resolve('gemini-3-pro-preview-search')!);
    expect(result.safetySettings).toEqual([]);
    expect(result.generationConfig).toEqual({ temperature: 0, thinkingConfig: { thinkingLevel: 'LOW' } });
    expect(result.tools).toHaveLength(2);
    expect(JSON.stringify(body)).toBe(snapshot);
  });
});
