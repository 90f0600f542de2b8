/** Anchors of docs/troubleshooting.md (kept stable: doctor output and runbooks link to them). */
export const TROUBLESHOOTING_ANCHORS = [
  'port-in-use', 'env-not-loaded', '401-unauthorized', 'oauth-expired-or-revoked', 'redirect-uri-mismatch',
  'model-not-found', 'streams-cut-off', 'slow-answers', 'container-restarts', 'google-unreachable-proxy',
  'instability-under-load', 'redis-unreachable', 'limiter-429', 'credential-cooling-down', 'drain-on-rollout',
  'no-usable-credential', 'refresh-failures', 'high-error-rate', 'high-latency', 'project-required',
  'metrics-unreachable', 'clock-skew', 'daily-quota-exhausted', 'credential-disabled', 'gateway-overhead',
] as const;

export type TroubleshootingAnchor = (typeof TROUBLESHOOTING_ANCHORS)[number];

export function doc(anchor: TroubleshootingAnchor): string {
  return `docs/troubleshooting.md#${anchor}`;
}
