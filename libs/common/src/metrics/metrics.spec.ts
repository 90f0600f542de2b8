import { GatewayMetrics, MAX_EXTRA_MODEL_LABELS, OTHER_MODEL_LABEL } from './metrics';

describe('GatewayMetrics.modelLabel', () => {
  it('keeps catalog models as they are, gives the first forwarded names their own series, then "other"', async () => {
    const metrics = new GatewayMetrics();
    metrics.knowModels(['gemini-2.5-pro', 'gemini-2.5-flash']);
    const invented = Array.from({ length: MAX_EXTRA_MODEL_LABELS + 50 }, (_, index) => `gemini-made-up-${index}`);
    const labels = invented.map((name) => metrics.modelLabel(name));
    expect(labels.slice(0, MAX_EXTRA_MODEL_LABELS)).toEqual(invented.slice(0, MAX_EXTRA_MODEL_LABELS));
    expect(new Set(labels.slice(MAX_EXTRA_MODEL_LABELS))).toEqual(new Set([OTHER_MODEL_LABEL]));
    // A name that got its own series keeps it; catalog models are never crowded out.
    expect(metrics.modelLabel(invented[3])).toBe(invented[3]);
    expect(metrics.modelLabel('gemini-2.5-pro')).toBe('gemini-2.5-pro');

    for (const name of invented) metrics.tokens.inc({ model: metrics.modelLabel(name), client: 'c', type: 'prompt' }, 1);
    const series = (await metrics.tokens.get()).values;
    expect(series).toHaveLength(MAX_EXTRA_MODEL_LABELS + 1);
    expect(series.find((value) => value.labels.model === OTHER_MODEL_LABEL)?.value).toBe(50);
  });
});
