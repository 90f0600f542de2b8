import { matchModelAlias, ModelAliasError, parseModelAliases } from './aliases';
import { ModelCatalog } from './catalog';

const SETTING = 'claude-*haiku*=gemini-2.5-flash-lite, claude-*=gemini-2.5-pro,gpt-*=gemini-2.5-flash,fast=gemini-2.5-flash-nothinking';

describe('MODEL_ALIASES', () => {
  const catalog = new ModelCatalog([], parseModelAliases(SETTING));

  it.each<[string, string | undefined, string]>([
    ['claude-3-5-haiku-20241022', 'gemini-2.5-flash-lite', 'first match wins over claude-*'],
    ['claude-haiku-4-5', 'gemini-2.5-flash-lite', '* matches an empty run'],
    ['claude-sonnet-4-5-20250929', 'gemini-2.5-pro', 'glob'],
    ['CLAUDE-OPUS-4-1', 'gemini-2.5-pro', 'case-insensitive'],
    ['gpt-4o', 'gemini-2.5-flash', 'another family'],
    ['gemini-2.5-flash', 'gemini-2.5-flash', 'a catalog id as it is'],
    ['models/gpt-4o', 'gemini-2.5-flash', 'models/ prefix'],
    ['llama-3', undefined, 'no rule, no model'],
  ])('%s → %s (%s)', (requested, base) => {
    const resolved = catalog.resolve(requested);
    expect(resolved?.base).toBe(base);
    if (resolved) expect(resolved.requested).toBe(requested.replace(/^models\//, ''));
  });

  it('a target keeps its variant suffixes', () => {
    expect(catalog.resolve('fast')).toMatchObject({ requested: 'fast', base: 'gemini-2.5-flash', thinking: 'none' });
  });

  it('exact aliases are listed; glob aliases are not, but get() answers for a name they match', () => {
    const ids = catalog.entries.map((entry) => entry.id);
    expect(ids).toContain('fast');
    expect(ids.some((id) => id.includes('*'))).toBe(false);
    expect(catalog.get('claude-sonnet-4-5')).toMatchObject({ id: 'claude-sonnet-4-5', base: { id: 'gemini-2.5-pro' } });
  });

  it.each(['claude', '=x', 'a=', 'a=b*', 'a=b=c'])('rejects the malformed rule %j', (rule) => {
    expect(() => parseModelAliases(rule)).toThrow(ModelAliasError);
  });

  it('rejects a target the catalog does not know', () => {
    expect(() => new ModelCatalog([], parseModelAliases('claude-*=gpt-5'))).toThrow(ModelAliasError);
  });

  it('only * is special (dots and brackets are literal)', () => {
    const aliases = parseModelAliases('a.b[1]=gemini-2.5-pro');
    expect(matchModelAlias(aliases, 'a.b[1]')?.target).toBe('gemini-2.5-pro');
    expect(matchModelAlias(aliases, 'axb1')).toBeUndefined();
  });
});
