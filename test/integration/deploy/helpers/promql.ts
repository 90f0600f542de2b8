/**
 * Just enough PromQL reading to check dashboards and alerts against the metrics contract: which
 * metric names and which label names an expression uses. (Parsing proper is promtool's job.)
 */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'atan2', 'start', 'end']);

export interface PromqlUsage {
  metrics: string[];
  labels: string[];
}

/** Grafana's variables replaced by values Prometheus accepts (for parsing and for live queries). */
export function substituteGrafanaVariables(expr: string, values: { rateInterval?: string; range?: string } = {}): string {
  return expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}/g, values.rateInterval ?? '1m')
    .replace(/\$__range|\$\{__range\}/g, values.range ?? '1h')
    .replace(/\$__interval|\$\{__interval\}/g, values.rateInterval ?? '1m')
    .replace(/\$\{?(namespace|job|instance|pod)\}?/g, '.*')
    .replace(/\$\{?surface\}?/g, 'openai|anthropic|gemini|responses');
}

export function promqlUsage(expr: string): PromqlUsage {
  const labels = new Set<string>();
  let text = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  text = text.replace(/\{([^}]*)\}/g, (_match, inner: string) => {
    for (const matcher of inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) labels.add(matcher[1]);
    return ' ';
  });
  text = text.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_match, _keyword: string, inner: string) => {
    for (const name of inner.split(',').map((part) => part.trim()).filter(Boolean)) labels.add(name);
    return ' ';
  });
  text = text.replace(/\[[^\]]*\]/g, ' ');
  const metrics = new Set<string>();
  for (const match of text.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const token = match[0];
    const after = text.slice((match.index ?? 0) + token.length).trimStart();
    if (after.startsWith('(')) continue; // a function
    if (KEYWORDS.has(token.toLowerCase())) continue;
    if (/^[eE]\d*$/.test(token)) continue; // exponent of a number like 1e3
    const before = text.slice(0, match.index ?? 0);
    if (/[0-9.]$/.test(before)) continue; // unit of a number or duration
    metrics.add(token);
  }
  return { metrics: [...metrics], labels: [...labels] };
}
