import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promtoolCheckRules } from '../../support/prometheus';
import { CONTRACT_METRICS, TARGET_LABELS, contractMetricOf, isNodeDefaultMetric } from './helpers/contract';
import { allPanels, loadDashboards, panelQueries, type Dashboard, type PanelQuery } from './helpers/dashboards';
import { promqlUsage, substituteGrafanaVariables } from './helpers/promql';

// Real processes (helm, nginx, promtool) can be slow on a loaded 2-core CI machine.
jest.setTimeout(30_000);

/**
 * The Grafana dashboards: every panel query parses (promtool, through a generated rule file that
 * wraps each query as a recording rule) and uses only contract metrics and labels.
 */
describe('Grafana dashboards', () => {
  let dashboards: Array<{ file: string; dashboard: Dashboard }>;
  let queries: PanelQuery[];

  beforeAll(async () => {
    dashboards = await loadDashboards();
    queries = await panelQueries();
  });

  it('every panel query parses (promtool check rules)', async () => {
    expect(queries.length).toBeGreaterThan(30);
    const directory = await mkdtemp(join(tmpdir(), 'gcli2api-dashboards-'));
    try {
      const file = join(directory, 'panels.rules.yml');
      const rules = queries.map((query) => ({ record: `dashboard:panel_${query.panelId}_${query.refId}`, expr: substituteGrafanaVariables(query.expr) }));
      await writeFile(file, JSON.stringify({ groups: [{ name: 'dashboard-panels', rules }] }));
      expect(promtoolCheckRules(file)).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('uses only metrics and labels from the contract', () => {
    const knownLabels = new Set([...Object.values(CONTRACT_METRICS).flatMap((metric) => metric.labels), ...TARGET_LABELS, 'le']);
    const problems: string[] = [];
    for (const query of queries) {
      const usage = promqlUsage(query.expr);
      if (usage.metrics.length === 0) problems.push(`${query.panel}/${query.refId}: no metric found`);
      for (const metric of usage.metrics) if (!contractMetricOf(metric) && !isNodeDefaultMetric(metric)) problems.push(`${query.panel}/${query.refId}: unknown metric ${metric}`);
      for (const label of usage.labels) if (!knownLabels.has(label)) problems.push(`${query.panel}/${query.refId}: unknown label ${label}`);
    }
    expect(problems).toEqual([]);
  });

  it('shows every metric of the contract somewhere', () => {
    const used = new Set(queries.flatMap((query) => promqlUsage(query.expr).metrics.map((metric) => contractMetricOf(metric)).filter(Boolean)));
    expect(Object.keys(CONTRACT_METRICS).filter((metric) => !used.has(metric))).toEqual([]);
  });

  it('has the panels the issue asks for', () => {
    const titles = queries.map((query) => query.panel.toLowerCase()).join('\n');
    for (const topic of ['requests by route and status', 'error rate', 'client key', 'p50 / p95 / p99', 'time to first byte', 'upstream latency', '429s by class', 'limiter', 'queue wait', 'open streams', 'tokens', 'credential states', 'token refreshes', 'redis', 'gateway overhead']) {
      expect({ topic, found: titles.includes(topic) }).toEqual({ topic, found: true });
    }
  });

  it('splits latency and errors by surface, with a surface variable that knows every surface', () => {
    const [{ dashboard }] = dashboards;
    const surface = dashboard.templating.list.find((variable) => variable.name === 'surface') as { query: string; allValue: string } | undefined;
    expect(surface?.query.split(',').sort()).toEqual(['anthropic', 'gemini', 'openai', 'responses']);
    const bySurface = (topic: string) => queries.filter((query) => query.panel.toLowerCase().includes(topic) && /by \([^)]*\bsurface\b/.test(query.expr));
    expect(bySurface('request latency p50').length).toBe(3);
    expect(bySurface('error rate').length).toBeGreaterThan(0);
    // No query hard-codes the old two surfaces any more.
    expect(queries.filter((query) => query.expr.includes('surface=~"openai|gemini"'))).toEqual([]);
  });

  it('is importable: a datasource variable, unique ids, every panel on it, sane grid', () => {
    for (const { dashboard } of dashboards) {
      expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
      const variables = dashboard.templating.list;
      expect(variables.find((variable) => variable.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
      const panels = allPanels(dashboard);
      expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
      for (const panel of panels) {
        expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
        if (panel.type === 'row') continue;
        expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(panel.targets?.length).toBeGreaterThan(0);
        expect(panel.description?.length).toBeGreaterThan(5);
        for (const target of panel.targets ?? []) {
          expect(target.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
          // Every query is scoped by the dashboard's job/namespace/instance variables.
          expect(target.expr).toContain('job=~"$job"');
        }
      }
    }
  });
});
