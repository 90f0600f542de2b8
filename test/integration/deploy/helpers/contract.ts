import { envSchema } from '../../../../libs/common/src/config/config.schema';

/**
 * The contract between the deployment artifacts and the application: env names, ports, probe
 * paths and metric names (docs: docs/deployment.md). The chart, compose file, Dockerfile,
 * dashboards and alerts are all checked against these lists.
 */
/** Every setting the app reads (its own validated schema) plus the outbound proxy variables it honours. */
// Lower-case names (npm_package_version) are set by npm, not by an operator.
export const CONTRACT_ENV_NAMES: readonly string[] = [...Object.keys(envSchema.shape).filter((name) => /^[A-Z]/.test(name)), 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY'];

/**
 * Variables the artifacts may set that are not application settings: Node's own, and helpers the
 * chart uses to assemble another variable (REDIS_PASSWORD is only referenced inside REDIS_URL).
 */
export const PLATFORM_ENV_NAMES = ['NODE_ENV', 'NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'REDIS_PASSWORD'] as const;

export const API_PORT = 8888;
export const METRICS_PORT = 9464;
export const LIVENESS_PATH = '/health/live';
export const READINESS_PATH = '/health/ready';
export const PROBE_PATHS = [LIVENESS_PATH, READINESS_PATH, '/health'] as const;
export const DEFAULT_DRAIN_DELAY_MS = 5000;
export const DEFAULT_DRAIN_TIMEOUT_MS = 30000;

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Every metric the gateway exports, with its labels (Prometheus adds job/instance/namespace/pod). */
export const CONTRACT_METRICS: Record<string, { type: MetricType; labels: string[] }> = {
  geminicli2api_http_requests_total: { type: 'counter', labels: ['route', 'method', 'status', 'surface', 'client'] },
  geminicli2api_http_request_duration_seconds: { type: 'histogram', labels: ['route', 'method', 'status', 'surface'] },
  geminicli2api_http_requests_in_flight: { type: 'gauge', labels: ['surface'] },
  geminicli2api_streams_open: { type: 'gauge', labels: ['surface'] },
  geminicli2api_stream_duration_seconds: { type: 'histogram', labels: ['surface', 'outcome'] },
  geminicli2api_time_to_first_byte_seconds: { type: 'histogram', labels: ['surface', 'model'] },
  geminicli2api_upstream_request_duration_seconds: { type: 'histogram', labels: ['model', 'method', 'outcome', 'backend'] },
  geminicli2api_upstream_time_to_first_byte_seconds: { type: 'histogram', labels: ['model', 'method', 'backend'] },
  geminicli2api_upstream_errors_total: { type: 'counter', labels: ['class', 'model', 'backend'] },
  geminicli2api_upstream_retries_total: { type: 'counter', labels: ['reason', 'backend'] },
  geminicli2api_tokens_total: { type: 'counter', labels: ['model', 'client', 'type'] },
  geminicli2api_key_limit_rejections_total: { type: 'counter', labels: ['client', 'reason'] },
  geminicli2api_client_keys_loaded: { type: 'gauge', labels: [] },
  geminicli2api_client_keys_reload_errors_total: { type: 'counter', labels: [] },
  geminicli2api_model_fallbacks_total: { type: 'counter', labels: ['from', 'to'] },
  geminicli2api_upstream_quota_remaining_fraction: { type: 'gauge', labels: ['credential', 'model'] },
  geminicli2api_limiter_running: { type: 'gauge', labels: [] },
  geminicli2api_limiter_queued: { type: 'gauge', labels: [] },
  geminicli2api_limiter_queue_wait_seconds: { type: 'histogram', labels: [] },
  geminicli2api_limiter_rejections_total: { type: 'counter', labels: ['reason'] },
  geminicli2api_limiter_max_concurrent: { type: 'gauge', labels: [] },
  geminicli2api_token_refreshes_total: { type: 'counter', labels: ['credential', 'result'] },
  geminicli2api_credential_state: { type: 'gauge', labels: ['credential', 'state'] },
  geminicli2api_redis_up: { type: 'gauge', labels: [] },
  geminicli2api_shared_state_mode: { type: 'gauge', labels: ['mode'] },
  geminicli2api_redis_command_duration_seconds: { type: 'histogram', labels: [] },
  geminicli2api_redis_errors_total: { type: 'counter', labels: [] },
  geminicli2api_gateway_overhead_seconds: { type: 'histogram', labels: ['surface'] },
};

/** Labels Prometheus (or the operator) attaches to every scraped series. */
export const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'service', 'endpoint', 'container'];

/** Node.js default metrics (prom-client collectDefaultMetrics) are exported unprefixed. */
export const isNodeDefaultMetric = (name: string): boolean => /^(process|nodejs)_[a-z0-9_]+$/.test(name);

/** The contract metric a series name belongs to (`_bucket`/`_sum`/`_count` of histograms included). */
export function contractMetricOf(seriesName: string): string | undefined {
  if (CONTRACT_METRICS[seriesName]) return seriesName;
  const histogram = /^(.*)_(bucket|sum|count)$/.exec(seriesName);
  if (histogram && CONTRACT_METRICS[histogram[1]]?.type === 'histogram') return histogram[1];
  return undefined;
}
