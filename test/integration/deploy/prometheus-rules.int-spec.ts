import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { promtoolCheckRules, promtoolTestRules } from '../../support/prometheus';
import { CONTRACT_METRICS, TARGET_LABELS, contractMetricOf } from './helpers/contract';
import { CHART_DIR, REPO_ROOT } from './helpers/helm';
import { promqlUsage } from './helpers/promql';

// Real processes (helm, nginx, promtool) can be slow on a loaded 2-core CI machine.
jest.setTimeout(30_000);

/** The alert rules: one source file, promtool-checked, unit-tested, and written against the contract. */
const PLAIN_RULES = join(REPO_ROOT, 'deploy/prometheus/geminicli2api.rules.yml');
const CHART_RULES = join(CHART_DIR, 'files/prometheus/geminicli2api.rules.yml');
const TESTS_DIR = join(REPO_ROOT, 'deploy/prometheus/tests');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

describe('Prometheus alert rules', () => {
  let rules: Rule[];
  beforeAll(async () => {
    rules = (parseYaml(await readFile(CHART_RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((group) => group.rules);
  });

  it('ships the same file for plain Prometheus as the chart renders from', async () => {
    expect(await readFile(PLAIN_RULES, 'utf8')).toBe(await readFile(CHART_RULES, 'utf8'));
  });

  it('passes promtool check rules', () => {
    expect(promtoolCheckRules(PLAIN_RULES)).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('passes its promtool unit tests, and every alert is tested', async () => {
    const testFiles = (await readdir(TESTS_DIR)).filter((file) => file.endsWith('.yml')).map((file) => join(TESTS_DIR, file));
    expect(testFiles.length).toBeGreaterThan(0);
    expect(promtoolTestRules(testFiles, TESTS_DIR)).toContain('SUCCESS');
    const tested = new Set<string>();
    for (const file of testFiles) {
      const suite = parseYaml(await readFile(file, 'utf8')) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
      for (const test of suite.tests) for (const check of test.alert_rule_test ?? []) if (check.exp_alerts.length > 0) tested.add(check.alertname);
    }
    expect(rules.map((rule) => rule.alert).filter((name) => !tested.has(name))).toEqual([]);
  });

  it('gives every alert a for, a severity, a summary, a description and a runbook anchor', () => {
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^GeminiCli2Api[A-Z][A-Za-z0-9]+$/);
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(rule.labels?.severity).toMatch(/^(critical|warning|info)$/);
      expect(rule.annotations?.summary?.length).toBeGreaterThan(10);
      expect(rule.annotations?.description?.length).toBeGreaterThan(30);
      expect(rule.annotations?.runbook_url).toMatch(/^https:\/\/.+\/docs\/troubleshooting\.md#[a-z0-9-]+$/);
    }
  });

  it('covers the alerts the issue asks for', () => {
    const names = rules.map((rule) => rule.alert);
    expect(names).toEqual(
      expect.arrayContaining([
        'GeminiCli2ApiHighErrorRate',
        'GeminiCli2ApiHighLatencyP99',
        'GeminiCli2ApiNoUsableCredential',
        'GeminiCli2ApiTokenRefreshFailing',
        'GeminiCli2ApiLimiterQueueBacklog',
        'GeminiCli2ApiLimiterRejecting',
        'GeminiCli2ApiRedisDegraded',
      ]),
    );
  });

  it('uses only contract metrics and labels', () => {
    const knownLabels = new Set([...Object.values(CONTRACT_METRICS).flatMap((metric) => metric.labels), ...TARGET_LABELS, 'le']);
    for (const rule of rules) {
      const usage = promqlUsage(rule.expr);
      expect({ alert: rule.alert, unknownMetrics: usage.metrics.filter((name) => !contractMetricOf(name)) }).toEqual({ alert: rule.alert, unknownMetrics: [] });
      expect({ alert: rule.alert, unknownLabels: usage.labels.filter((name) => !knownLabels.has(name)) }).toEqual({ alert: rule.alert, unknownLabels: [] });
      expect(usage.metrics.length).toBeGreaterThan(0);
    }
  });
});
