import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = resolve(__dirname, '../../../..');
export const CHART_DIR = resolve(REPO_ROOT, 'deploy/helm/geminicli2api');
export const RELEASE = 'team';
export const NAMESPACE = 'llm';
export const KUBE_VERSION = '1.29.0';

export function helmBinary(): string {
  const local = resolve(REPO_ROOT, 'node_modules/.bin/helm');
  if (existsSync(local)) return local;
  return 'helm';
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function helm(args: string[], cwd = REPO_ROOT): HelmResult {
  const result = spawnSync(helmBinary(), args, {
    cwd,
    encoding: 'utf8',
    // Keep helm away from the developer's repositories, plugins and cluster config.
    env: { ...process.env, HELM_CACHE_HOME: '/tmp/gcli2api-helm/cache', HELM_CONFIG_HOME: '/tmp/gcli2api-helm/config', HELM_DATA_HOME: '/tmp/gcli2api-helm/data', KUBECONFIG: '/tmp/gcli2api-helm/no-kubeconfig' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

export interface RenderOptions {
  valuesFiles?: string[];
  set?: Record<string, string>;
  chartDir?: string;
  showOnly?: string[];
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

function templateArgs(options: RenderOptions): string[] {
  return [
    'template',
    RELEASE,
    options.chartDir ?? CHART_DIR,
    '--namespace',
    NAMESPACE,
    '--kube-version',
    KUBE_VERSION,
    ...(options.valuesFiles ?? []).flatMap((file) => ['-f', resolve(CHART_DIR, file)]),
    ...Object.entries(options.set ?? {}).flatMap(([key, value]) => ['--set', `${key}=${value}`]),
    ...(options.showOnly ?? []).flatMap((template) => ['--show-only', template]),
  ];
}

/** `helm template` raw output; throws with helm's message when rendering fails. */
export function renderRaw(options: RenderOptions = {}): string {
  const result = helm(templateArgs(options));
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** `helm template` parsed into objects (empty documents dropped). */
export function render(options: RenderOptions = {}): K8sObject[] {
  const documents = parseAllDocuments(renderRaw(options));
  const objects: K8sObject[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors.map((error) => error.message).join('; ')}`);
    const value = document.toJS() as K8sObject | null;
    if (value) objects.push(value);
  }
  return objects;
}

/** `helm template` expected to fail; returns helm's error text. */
export function renderError(options: RenderOptions = {}): string {
  const result = helm(templateArgs(options));
  if (result.status === 0) throw new Error('helm template unexpectedly succeeded');
  return result.stderr;
}

export function findObject(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  return found[0];
}
