import { ModelCatalog } from './catalog';
import { thinkingConfigFor, variantThinkingConfig } from './thinking';

describe('ModelCatalog', () => {
  const catalog = new ModelCatalog(['gemini-4-experimental']);

  it.each([
    ['gemini-2.5-pro', 'gemini-2.5-pro', false, 'default'],
    ['models/gemini-2.5-pro-search', 'gemini-2.5-pro', true, 'default'],
    ['gemini-2.5-flash-nothinking', 'gemini-2.5-flash', false, 'none'],
    ['gemini-2.5-pro-search-maxthinking', 'gemini-2.5-pro', true, 'max'],
    ['gemini-2.5-pro-maxthinking-search', 'gemini-2.5-pro', true, 'max'],
    ['gemini-4-experimental', 'gemini-4-experimental', false, 'default'],
  ])('resolves %s', (requested, base, search, thinking) => {
    expect(catalog.resolve(requested)).toMatchObject({ base, search, thinking });
  });

  it.each(['gemini-2.5-pro-nothinking-maxthinking', 'gpt-4o', 'gemini-2.5-flash-image-preview-nothinking', '-search', '', 'gemini-x', 'gemini-4-pro/../x'])('refuses %s', (requested) => {
    expect(catalog.resolve(requested)).toBeUndefined();
  });

  it('lists the ids Gemini CLI 0.61 uses and renames gemini-3.5-flash for Code Assist', () => {
    for (const id of ['gemini-3.5-flash', 'gemini-3.5-flash-lite', 'gemini-3.8-flash', 'gemini-3.1-pro-preview-customtools']) {
      expect(catalog.get(id)).toBeDefined();
      expect(catalog.resolve(id)).toMatchObject({ known: true });
    }
    expect(catalog.resolve('gemini-3.5-flash-search-nothinking')).toMatchObject({ requested: 'gemini-3.5-flash-search-nothinking', base: 'gemini-3-flash', search: true, thinking: 'none' });
    expect(catalog.resolve('gemini-3.5-flash-lite')).toMatchObject({ base: 'gemini-3.5-flash-lite' });
  });

  it('forwards unlisted gemini-* names on every route, keeping variant suffixes when the family thinks', () => {
    expect(catalog.resolve('gemini-9.9-flash')).toMatchObject({ requested: 'gemini-9.9-flash', base: 'gemini-9.9-flash', known: false, search: false, thinking: 'default' });
    expect(catalog.get('gemini-9.9-flash')).toBeUndefined();
    expect(catalog.resolve('models/gemini-3.9-pro-preview-search-maxthinking')).toMatchObject({ base: 'gemini-3.9-pro-preview', known: false, search: true, thinking: 'max' });
    // the family of gemini-9 is unknown, so a thinking suffix is not interpreted: Google sees the whole name
    expect(catalog.resolve('gemini-9-nothinking')).toMatchObject({ base: 'gemini-9-nothinking', thinking: 'default', known: false });
  });

  it('forwards any well-formed name only when asked (the Gemini route)', () => {
    expect(catalog.resolve('gemma-4-31b-it')).toBeUndefined();
    expect(catalog.resolve('gemma-4-31b-it', { forwardAnyName: true })).toMatchObject({ base: 'gemma-4-31b-it', known: false });
    expect(catalog.resolve('models/gpt-4o', { forwardAnyName: true })).toMatchObject({ base: 'gpt-4o', thinking: 'default' });
    expect(catalog.resolve('GPT 4o', { forwardAnyName: true })).toBeUndefined();
    expect(catalog.resolve('gemini-2.5-pro-nothinking-maxthinking', { forwardAnyName: true })).toBeUndefined();
  });

  it('advertises variants (combined ones too) but none for image models, without duplicates', () => {
    const ids = catalog.entries.map((entry) => entry.id);
    expect(ids).toEqual(expect.arrayContaining(['gemini-2.5-flash-search-nothinking', 'gemini-3-pro-preview-maxthinking', 'gemini-2.5-flash-image-preview']));
    expect(ids).not.toContain('gemini-2.5-flash-image-preview-search');
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(catalog.resolve(id)).toBeDefined();
  });
});

describe('thinking', () => {
  const catalog = new ModelCatalog();

  it('keeps the original budgets for variants', () => {
    expect(variantThinkingConfig(catalog.resolve('gemini-2.5-flash-nothinking')!)).toEqual({ thinkingBudget: 0, includeThoughts: false });
    expect(variantThinkingConfig(catalog.resolve('gemini-2.5-flash-maxthinking')!)).toEqual({ thinkingBudget: 24576, includeThoughts: true });
    expect(variantThinkingConfig(catalog.resolve('gemini-2.5-pro-maxthinking')!)).toEqual({ thinkingBudget: 32768, includeThoughts: true });
    expect(variantThinkingConfig(catalog.resolve('gemini-3-pro-preview-maxthinking')!)).toEqual({ thinkingBudget: 45000, includeThoughts: true });
    expect(variantThinkingConfig(catalog.resolve('gemini-2.5-pro')!)).toEqual({ thinkingBudget: -1, includeThoughts: true });
    expect(variantThinkingConfig(catalog.resolve('gemini-2.5-flash-image-preview')!)).toBeUndefined();
  });

  it('uses levels for Gemini 3 Flash', () => {
    const flash3 = catalog.resolve('gemini-3-flash-preview')!.info.thinking;
    expect(thinkingConfigFor(flash3, 'off')).toEqual({ thinkingLevel: 'MINIMAL', includeThoughts: false });
    expect(thinkingConfigFor(flash3, 'high')).toEqual({ thinkingLevel: 'HIGH', includeThoughts: true });
  });
});
