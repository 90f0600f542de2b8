import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CONTRACT_METRICS } from './contract';

/**
 * A stand-in for the gateway's metrics endpoint that exports EVERY contract metric with plausible
 * label values and keeps them moving. It lets the dashboard queries be checked against a real
 * Prometheus before (and independently of) the application exporting them.
 */
const LABEL_VALUES: Record<string, string[]> = {
  route: ['/v1/chat/completions', '/v1beta/models/:model:streamGenerateContent', '/v1/models'],
  method: ['POST', 'GET'],
  status: ['200', '401', '429', '502'],
  surface: ['openai', 'anthropic', 'gemini'],
  client: ['default', 'second'],
  outcome: ['completed', 'client_closed', 'ok', 'error'],
  model: ['gemini-2.5-pro', 'gemini-2.5-flash'],
  class: ['rate_limited', 'daily_quota', 'capacity', 'server'],
  reason: ['queue_full', 'queue_timeout', 'rate_limited'],
  type: ['prompt', 'completion', 'reasoning'],
  credential: ['alice', 'bob'],
  result: ['success', 'failure'],
  state: ['active', 'cooling_down', 'disabled', 'onboarding'],
  mode: ['local', 'redis', 'degraded'],
};

function combinations(labels: string[]): Array<Record<string, string>> {
  let result: Array<Record<string, string>> = [{}];
  for (const label of labels) {
    const values = LABEL_VALUES[label] ?? ['x'];
    result = result.flatMap((partial) => values.map((value) => ({ ...partial, [label]: value })));
  }
  return result;
}

export interface SyntheticExporter {
  target: string;
  stop(): Promise<void>;
}

export async function startSyntheticExporter(): Promise<SyntheticExporter> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const updates: Array<() => void> = [];
  for (const [name, { type, labels }] of Object.entries(CONTRACT_METRICS)) {
    const series = combinations(labels);
    if (type === 'counter') {
      const counter = new Counter({ name, help: name, labelNames: labels, registers: [registry] });
      updates.push(() => series.forEach((labelSet) => counter.inc(labelSet, 1 + Math.floor(Math.random() * 3))));
    } else if (type === 'gauge') {
      const gauge = new Gauge({ name, help: name, labelNames: labels, registers: [registry] });
      updates.push(() => series.forEach((labelSet) => gauge.set(labelSet, name.endsWith('_state') || name.endsWith('_mode') || name.endsWith('_up') ? (labelSet.state === 'active' || labelSet.mode === 'redis' || labels.length === 0 ? 1 : 0) : Math.floor(Math.random() * 5))));
    } else {
      const histogram = new Histogram({ name, help: name, labelNames: labels, buckets: [0.005, 0.05, 0.25, 1, 5, 30, 120, 600], registers: [registry] });
      updates.push(() => series.forEach((labelSet) => histogram.observe(labelSet, Math.random() * 3)));
    }
  }
  const tick = () => updates.forEach((update) => update());
  tick();
  const timer = setInterval(tick, 250);
  const server: Server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry
      .metrics()
      .then((body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body))
      .catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
