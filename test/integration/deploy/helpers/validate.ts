/**
 * Schema validation of rendered objects: Kubernetes kinds through kubernetes-models (the
 * OpenAPI schemas of the API server), prometheus-operator kinds through a small structural
 * validator of the fields we render (no schema package for those CRDs is available offline).
 *
 * Note: kubernetes-models checks types, enums, formats and required fields, but like the API
 * server's default it does not reject unknown fields; the chart's own assertions cover the
 * fields that matter.
 */
import { Pod, ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { K8sObject } from './helm';

type Validatable = { validate(): void };
const KUBERNETES_KINDS: Record<string, new (data: never) => Validatable> = {
  'v1/Pod': Pod,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

// ----- a tiny JSON-schema subset, enough for the CRD fields we render ---------------------------
type Schema =
  | { type: 'string'; pattern?: RegExp; enum?: string[] }
  | { type: 'boolean' }
  | { type: 'integer'; minimum?: number }
  | { type: 'stringOrInteger' }
  | { type: 'array'; items: Schema; minItems?: number }
  | { type: 'map'; values: Schema }
  | { type: 'object'; properties: Record<string, Schema>; required?: string[]; additional?: boolean; check?: (value: Record<string, unknown>) => string | undefined }
  | { type: 'any' };

function check(schema: Schema, value: unknown, path: string, problems: string[]): void {
  const fail = (message: string): void => {
    problems.push(`${path || '<root>'}: ${message}`);
  };
  switch (schema.type) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') return fail(`must be a string, got ${JSON.stringify(value)}`);
      if (schema.pattern && !schema.pattern.test(value)) fail(`"${value}" does not match ${schema.pattern}`);
      if (schema.enum && !schema.enum.includes(value)) fail(`"${value}" is not one of ${schema.enum.join(', ')}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail('must be a boolean');
      return;
    case 'integer':
      if (!Number.isInteger(value)) return fail('must be an integer');
      if (schema.minimum !== undefined && (value as number) < schema.minimum) fail(`must be >= ${schema.minimum}`);
      return;
    case 'stringOrInteger':
      if (typeof value !== 'string' && !Number.isInteger(value)) fail('must be a string or an integer');
      return;
    case 'array':
      if (!Array.isArray(value)) return fail('must be an array');
      if (schema.minItems !== undefined && value.length < schema.minItems) fail(`needs at least ${schema.minItems} item(s)`);
      value.forEach((item, index) => check(schema.items, item, `${path}[${index}]`, problems));
      return;
    case 'map':
      if (!isObject(value)) return fail('must be an object');
      for (const [key, item] of Object.entries(value)) check(schema.values, item, `${path}.${key}`, problems);
      return;
    case 'object': {
      if (!isObject(value)) return fail('must be an object');
      for (const name of schema.required ?? []) if (value[name] === undefined) fail(`missing required field ${name}`);
      for (const [key, item] of Object.entries(value)) {
        const property = schema.properties[key];
        if (property) check(property, item, path ? `${path}.${key}` : key, problems);
        else if (!schema.additional) fail(`unknown field ${key}`);
      }
      const extra = schema.check?.(value);
      if (extra) fail(extra);
      return;
    }
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** prometheus-operator's Duration pattern. */
const DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const stringMap: Schema = { type: 'map', values: { type: 'string' } };
const metadata: Schema = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/ }, namespace: { type: 'string' }, labels: stringMap, annotations: stringMap },
};
const relabelConfig: Schema = {
  type: 'object',
  properties: {
    sourceLabels: { type: 'array', items: { type: 'string' } },
    separator: { type: 'string' },
    targetLabel: { type: 'string' },
    regex: { type: 'string' },
    modulus: { type: 'integer' },
    replacement: { type: 'string' },
    action: { type: 'string', enum: ['replace', 'Replace', 'keep', 'Keep', 'drop', 'Drop', 'hashmod', 'HashMod', 'labelmap', 'LabelMap', 'labeldrop', 'LabelDrop', 'labelkeep', 'LabelKeep', 'lowercase', 'Lowercase', 'uppercase', 'Uppercase', 'keepequal', 'KeepEqual', 'dropequal', 'DropEqual'] },
  },
};
const labelSelector: Schema = { type: 'object', properties: { matchLabels: stringMap, matchExpressions: { type: 'array', items: { type: 'any' } } } };

const SERVICE_MONITOR: Schema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string', enum: ['monitoring.coreos.com/v1'] },
    kind: { type: 'string', enum: ['ServiceMonitor'] },
    metadata,
    spec: {
      type: 'object',
      required: ['selector', 'endpoints'],
      properties: {
        jobLabel: { type: 'string' },
        targetLabels: { type: 'array', items: { type: 'string' } },
        podTargetLabels: { type: 'array', items: { type: 'string' } },
        namespaceSelector: { type: 'object', properties: { any: { type: 'boolean' }, matchNames: { type: 'array', items: { type: 'string' } } } },
        selector: labelSelector,
        endpoints: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            properties: {
              port: { type: 'string' },
              targetPort: { type: 'stringOrInteger' },
              path: { type: 'string', pattern: /^\// },
              scheme: { type: 'string', enum: ['http', 'https'] },
              interval: { type: 'string', pattern: DURATION },
              scrapeTimeout: { type: 'string', pattern: DURATION },
              honorLabels: { type: 'boolean' },
              honorTimestamps: { type: 'boolean' },
              relabelings: { type: 'array', items: relabelConfig },
              metricRelabelings: { type: 'array', items: relabelConfig },
              tlsConfig: { type: 'any' },
              bearerTokenSecret: { type: 'any' },
            },
            check: (endpoint) => (endpoint.port === undefined && endpoint.targetPort === undefined ? 'an endpoint needs port or targetPort' : undefined),
          },
        },
      },
    },
  },
};

const rule: Schema = {
  type: 'object',
  required: ['expr'],
  properties: {
    alert: { type: 'string', pattern: LABEL_NAME },
    record: { type: 'string', pattern: /^[a-zA-Z_:][a-zA-Z0-9_:]*$/ },
    expr: { type: 'stringOrInteger' },
    for: { type: 'string', pattern: DURATION },
    keep_firing_for: { type: 'string', pattern: DURATION },
    labels: stringMap,
    annotations: stringMap,
  },
  check: (value) => {
    if ((value.alert === undefined) === (value.record === undefined)) return 'a rule needs exactly one of alert or record';
    if (value.record !== undefined && (value.for !== undefined || value.annotations !== undefined)) return 'recording rules take no for/annotations';
    const badLabel = Object.keys({ ...(value.labels as object), ...(value.annotations as object) }).find((name) => !LABEL_NAME.test(name));
    return badLabel ? `invalid label/annotation name ${badLabel}` : undefined;
  },
};

const PROMETHEUS_RULE: Schema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string', enum: ['monitoring.coreos.com/v1'] },
    kind: { type: 'string', enum: ['PrometheusRule'] },
    metadata,
    spec: {
      type: 'object',
      properties: {
        groups: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'rules'],
            properties: {
              name: { type: 'string', pattern: /^.+$/ },
              interval: { type: 'string', pattern: DURATION },
              limit: { type: 'integer', minimum: 0 },
              partial_response_strategy: { type: 'string' },
              rules: { type: 'array', items: rule },
            },
          },
        },
      },
    },
  },
};

const CRD_SCHEMAS: Record<string, Schema> = {
  'monitoring.coreos.com/v1/ServiceMonitor': SERVICE_MONITOR,
  'monitoring.coreos.com/v1/PrometheusRule': PROMETHEUS_RULE,
};

export function validateCrd(object: unknown, key: string): string[] {
  const problems: string[] = [];
  check(CRD_SCHEMAS[key], object, '', problems);
  return problems;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Validates one rendered object; returns the problems found (empty when valid). */
export function validateObject(object: K8sObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const where = `${object.kind}/${object.metadata?.name}`;
  const problems: string[] = [];
  const metadataName = object.metadata?.name ?? '';
  if (metadataName.length > 63 || !DNS_LABEL.test(metadataName)) problems.push(`${where}: name is not a DNS-1123 label of at most 63 characters`);
  for (const [label, value] of Object.entries(object.metadata?.labels ?? {})) {
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) problems.push(`${where}: label ${label}=${String(value)} is not a valid label value`);
  }
  const Model = KUBERNETES_KINDS[key];
  if (Model) {
    try {
      new Model(object as never).validate();
    } catch (error) {
      problems.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else if (CRD_SCHEMAS[key]) {
    problems.push(...validateCrd(object, key).map((problem) => `${where}: ${problem}`));
  } else {
    problems.push(`${where}: no schema known for ${key}`);
  }
  return problems;
}
