import { currentRequest, type GatewayMetrics } from '@app/common';
import { classifyFailure, metricClassFor } from './failure-class';

export interface UpstreamTimer {
  /** Google accepted the call (headers of a 2xx). */
  firstByte(): void;
  /** The backend of the credential this attempt uses (labels every series; `none` until one is chosen). */
  servedBy(backend: string): void;
  /** The call ended; only the first call counts. */
  done(outcome: 'ok' | 'error', error?: unknown): void;
}

/** Failures that never reach Google's error parser are counted here (Google's own errors are counted where they are read). */
const COUNTED_AT_THE_END = new Set(['timeout', 'network', 'bad_response']);

/**
 * Times one call to Google (any backend) for the upstream histograms and for the request's gateway-overhead
 * figure (the time spent waiting for Google on a non-streamed generation).
 */
export function startUpstreamTimer(metrics: Pick<GatewayMetrics, 'upstreamFirstByte' | 'upstreamDuration' | 'upstreamErrors' | 'modelLabel'>, modelName: string, method: string): UpstreamTimer {
  const started = performance.now();
  const model = metrics.modelLabel(modelName);
  const context = currentRequest();
  let finished = false;
  let backend = 'none';
  return {
    servedBy: (name) => {
      backend = name;
    },
    firstByte: () => {
      const elapsed = performance.now() - started;
      metrics.upstreamFirstByte.observe({ model, method, backend }, elapsed / 1000);
      if (context) context.upstreamFirstByteMs = elapsed;
    },
    done: (outcome, error) => {
      if (finished) return;
      finished = true;
      const elapsed = performance.now() - started;
      metrics.upstreamDuration.observe({ model, method, outcome, backend }, elapsed / 1000);
      if (context && method === 'generateContent') context.upstreamMs += elapsed;
      if (error === undefined) return;
      const failure = classifyFailure(error);
      if (COUNTED_AT_THE_END.has(failure)) metrics.upstreamErrors.inc({ class: metricClassFor(failure), model, backend });
    },
  };
}
