import { GatewayMetrics, GoogleUnauthenticatedError, UpstreamBadResponseError, UpstreamTimeoutError, UpstreamUnreachableError } from '@app/common';
import { counterValue } from './__fixtures__/twins';
import { startUpstreamTimer } from './upstream-timer';

describe('startUpstreamTimer', () => {
  it.each<[string, 'ok' | 'error', unknown, string | undefined]>([
    ['ok', 'ok', undefined, undefined],
    ['first-byte timeout', 'error', new UpstreamTimeoutError('slow'), 'timeout'],
    ['network', 'error', new UpstreamUnreachableError('ECONNRESET'), 'network'],
    ['broken reply', 'error', new UpstreamBadResponseError('not JSON'), 'bad_response'],
    ['Google error (counted where it is read)', 'error', new GoogleUnauthenticatedError('no'), undefined],
  ])('%s', async (_name, outcome, error, errorClass) => {
    const metrics = new GatewayMetrics();
    const timer = startUpstreamTimer(metrics, 'm', 'generateContent');
    timer.firstByte();
    timer.done(outcome, error);
    timer.done('ok'); // only the first end counts
    const durations = (await metrics.upstreamDuration.get()).values.filter((value) => value.metricName?.endsWith('_count'));
    expect(durations).toEqual([expect.objectContaining({ value: 1, labels: expect.objectContaining({ outcome }) })]);
    expect(await counterValue(metrics.upstreamErrors)).toBe(errorClass ? 1 : 0);
    if (errorClass) expect(await counterValue(metrics.upstreamErrors, { class: errorClass, model: 'm' })).toBe(1);
  });
});
