import { doc } from '../docs';
import type { Check } from '../types';

export const metricsCheck: Check = {
  id: 'metrics',
  title: 'Metrics endpoint',
  async run(context) {
    const base = context.settings.metricsUrl.replace(/\/+$/, '');
    const target = base.endsWith('/metrics') ? base : `${base}/metrics`;
    const probe = await context.gateway.request('', { url: target, timeoutMs: Math.min(context.settings.timeoutMs, 5000) });
    const hint = 'METRICS_PORT (default 9464) is a separate port, often not exposed outside the pod';
    if (!probe.ok) {
      return { status: 'WARN', detail: `${target} unreachable: ${probe.message}`, cause: `${hint}, or metrics are off in this build`, fix: 'pass --metrics-url (e.g. after kubectl port-forward … 9464), or scrape it from inside the cluster', doc: doc('metrics-unreachable') };
    }
    const { answer } = probe;
    if (answer.status !== 200) return { status: 'WARN', detail: `${target} answered HTTP ${answer.status}`, cause: `something else answers there; ${hint}`, fix: 'pass --metrics-url with the gateway\'s METRICS_PORT', doc: doc('metrics-unreachable') };
    const series = new Set(answer.text.split('\n').filter((line) => line.startsWith('geminicli2api_')).map((line) => line.split(/[{\s]/)[0]));
    if (series.size === 0) return { status: 'WARN', detail: `${target} answered but has no geminicli2api_ series`, cause: 'another exporter listens on that port', fix: 'pass --metrics-url with the gateway\'s METRICS_PORT', doc: doc('metrics-unreachable') };
    return { status: 'PASS', detail: `${series.size} geminicli2api_ series at ${target}`, data: { series: series.size } };
  },
};

export const clockCheck: Check = {
  id: 'clock',
  title: 'Clock skew',
  async run(context) {
    const sample = context.gateway.clock;
    if (!sample) return { status: 'SKIP', detail: 'skipped: no Date header from the gateway' };
    const gatewayMs = Date.parse(sample.date);
    if (!Number.isFinite(gatewayMs)) return { status: 'SKIP', detail: `unparsable Date header "${sample.date}"` };
    // The Date header has one-second resolution.
    const skewSeconds = Math.round((gatewayMs - sample.localMs) / 1000);
    const data = { skewSeconds };
    if (Math.abs(skewSeconds) > 60) {
      return {
        status: 'WARN',
        detail: `the gateway's clock is ${Math.abs(skewSeconds)} s ${skewSeconds > 0 ? 'ahead of' : 'behind'} this machine's`,
        cause: 'one of the clocks is not synchronized (NTP); OAuth tokens and their expiry are time-based',
        fix: 'enable time sync (chrony/systemd-timesyncd) on the gateway host and on this machine',
        doc: doc('clock-skew'),
        data,
      };
    }
    return { status: 'PASS', detail: `within ${Math.max(1, Math.abs(skewSeconds))} s of this machine`, data };
  },
};
