import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, parseDocument, isMap, isScalar, type Node as YamlNode } from 'yaml';
import { promtoolCheckRules } from '../../support/prometheus';
import { API_PORT, CONTRACT_ENV_NAMES, DEFAULT_DRAIN_DELAY_MS, DEFAULT_DRAIN_TIMEOUT_MS, LIVENESS_PATH, METRICS_PORT, PLATFORM_ENV_NAMES, READINESS_PATH } from './helpers/contract';
import { CHART_DIR, NAMESPACE, RELEASE, findObject, helm, render, renderError, type K8sObject } from './helpers/helm';
import { renderNotes } from './helpers/notes';
import { parseCredential } from '@app/auth';
import { validateObject } from './helpers/validate';

// Real processes (helm, nginx, promtool) can be slow on a loaded 2-core CI machine.
jest.setTimeout(30_000);

/** The value scenarios (ci/*.yaml follow chart-testing's convention). */
const SCENARIOS: Record<string, string[]> = {
  defaults: [],
  'everything on (ingress, HPA, ServiceMonitor, rules, dashboards, NetworkPolicy)': ['ci/full-values.yaml'],
  'existing Secret': ['ci/existing-secret-values.yaml'],
  'bundled Redis': ['ci/bundled-redis-values.yaml'],
  'external Redis with TLS': ['ci/external-redis-tls-values.yaml'],
  'external Redis, password inline': ['ci/external-redis-inline-values.yaml'],
  'Vertex AI (key Secret, Workload Identity)': ['ci/vertex-values.yaml'],
};
const FULLNAME = `${RELEASE}-geminicli2api`;

interface Container {
  name: string;
  image: string;
  ports?: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  livenessProbe?: { httpGet: { path: string; port: string | number } };
  readinessProbe?: { httpGet: { path: string; port: string | number } };
  startupProbe?: { httpGet: { path: string; port: string | number } };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] }; seccompProfile?: { type: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  command?: string[];
}
interface PodSpec {
  containers: Container[];
  securityContext?: Record<string, unknown> & { seccompProfile?: { type: string } };
  terminationGracePeriodSeconds?: number;
  volumes?: Array<{ name: string; secret?: { secretName: string }; emptyDir?: unknown }>;
  automountServiceAccountToken?: boolean;
  topologySpreadConstraints?: Array<{ topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }>;
}
interface Deployment extends K8sObject {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec } };
}

const deploymentOf = (objects: K8sObject[]) => findObject(objects, 'Deployment', FULLNAME) as Deployment;
const gatewayOf = (objects: K8sObject[]) => deploymentOf(objects).spec.template.spec.containers.find((container) => container.name === 'gateway')!;
const configMapData = (objects: K8sObject[]) => (findObject(objects, 'ConfigMap', FULLNAME) as unknown as { data: Record<string, string> }).data;
const envValue = (container: Container, name: string) => container.env?.find((variable) => variable.name === name);

describe('Helm chart', () => {
  const rendered: Record<string, K8sObject[]> = {};
  beforeAll(() => {
    for (const [scenario, files] of Object.entries(SCENARIOS)) rendered[scenario] = render({ valuesFiles: files });
  });

  describe.each(Object.entries(SCENARIOS))('scenario: %s', (scenario, files) => {
    const objects = () => rendered[scenario];

    it('passes helm lint --strict', () => {
      const result = helm(['lint', '--strict', CHART_DIR, '--namespace', NAMESPACE, ...files.flatMap((file) => ['-f', join(CHART_DIR, file)])]);
      expect(`${result.stdout}${result.stderr}`).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(result.stderr).not.toMatch(/warning/i);
    });

    it('renders only objects that validate against the Kubernetes / prometheus-operator schemas', () => {
      expect(objects().length).toBeGreaterThan(0);
      expect(objects().flatMap(validateObject)).toEqual([]);
      for (const object of objects()) expect(object.metadata.namespace).toBe(NAMESPACE);
    });

    it('probes the real health paths on the named ports the app listens on', () => {
      const gateway = gatewayOf(objects());
      const data = configMapData(objects());
      expect(gateway.ports).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'http', containerPort: API_PORT }), expect.objectContaining({ name: 'metrics', containerPort: METRICS_PORT })]));
      expect(data.PORT).toBe(String(API_PORT));
      expect(data.METRICS_PORT).toBe(String(METRICS_PORT));
      expect(gateway.livenessProbe?.httpGet).toEqual({ path: LIVENESS_PATH, port: 'http' });
      expect(gateway.startupProbe?.httpGet).toEqual({ path: LIVENESS_PATH, port: 'http' });
      expect(gateway.readinessProbe?.httpGet).toEqual({ path: READINESS_PATH, port: 'http' });
    });

    it('selects the pods with stable labels, from the Service, PDB and spread constraints', () => {
      const deployment = deploymentOf(objects());
      const selector = deployment.spec.selector.matchLabels;
      expect(selector).toEqual({ 'app.kubernetes.io/name': 'geminicli2api', 'app.kubernetes.io/instance': RELEASE, 'app.kubernetes.io/component': 'gateway' });
      expect(deployment.spec.template.metadata.labels).toMatchObject(selector);
      const service = findObject(objects(), 'Service', FULLNAME) as K8sObject & { spec: { selector: Record<string, string>; ports: Array<{ name: string; targetPort: string }> } };
      expect(service.spec.selector).toEqual(selector);
      expect(service.spec.ports.map((port) => [port.name, port.targetPort])).toEqual([['http', 'http'], ['metrics', 'metrics']]);
      const pdb = findObject(objects(), 'PodDisruptionBudget') as K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; maxUnavailable?: number } };
      expect(pdb.spec.selector.matchLabels).toEqual(selector);
      expect(pdb.spec.maxUnavailable).toBe(1);
      for (const constraint of deployment.spec.template.spec.topologySpreadConstraints ?? []) expect(constraint.labelSelector.matchLabels).toEqual(selector);
      expect(deployment.spec.template.spec.topologySpreadConstraints?.map((constraint) => constraint.topologyKey)).toEqual(expect.arrayContaining(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']));
    });

    it('runs hardened: non-root 10001, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
      const pod = deploymentOf(objects()).spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBe(false);
      const context = gatewayOf(objects()).securityContext!;
      expect(context).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' } });
      expect(context.capabilities?.drop).toEqual(['ALL']);
      expect(gatewayOf(objects()).volumeMounts).toEqual(expect.arrayContaining([{ name: 'tmp', mountPath: '/tmp' }]));
      // Every pod the chart renders (bundled Redis, helm test) is hardened too.
      for (const object of objects()) {
        const spec = object.kind === 'Pod' ? (object.spec as PodSpec) : object.kind === 'Deployment' ? (object as Deployment).spec.template.spec : undefined;
        if (!spec) continue;
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        for (const container of spec.containers) expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
    });

    it('gives pods a grace period longer than the whole drain', () => {
      const pod = deploymentOf(objects()).spec.template.spec;
      const data = configMapData(objects());
      const preStop = Number(gatewayOf(objects()).lifecycle?.preStop?.exec?.command?.[1] ?? 0);
      const drainSeconds = (Number(data.DRAIN_DELAY_MS) + Number(data.DRAIN_TIMEOUT_MS)) / 1000;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStop + drainSeconds);
    });

    it('only sets environment variables the app knows', () => {
      const allowed = new Set<string>([...CONTRACT_ENV_NAMES, ...PLATFORM_ENV_NAMES, 'EXTRA_MODELS']);
      const names = [...Object.keys(configMapData(objects())), ...(gatewayOf(objects()).env ?? []).map((variable) => variable.name)];
      const secret = objects().find((object) => object.kind === 'Secret' && object.metadata.name === FULLNAME) as (K8sObject & { data: Record<string, string> }) | undefined;
      names.push(...Object.keys(secret?.data ?? {}));
      expect(names.filter((name) => !allowed.has(name))).toEqual([]);
    });

    it('reads its env from the ConfigMap and the Secret it points at, with checksum annotations', () => {
      const gateway = gatewayOf(objects());
      expect(gateway.envFrom?.[0]).toEqual({ configMapRef: { name: FULLNAME } });
      const secretName = gateway.envFrom?.[1]?.secretRef?.name;
      expect(secretName).toBeDefined();
      if (secretName === FULLNAME) findObject(objects(), 'Secret', FULLNAME);
      const annotations = deploymentOf(objects()).spec.template.metadata.annotations;
      expect(annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
      expect(annotations['checksum/secret']).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  it('keeps selectors identical across every scenario (upgrades never orphan pods)', () => {
    const selectors = Object.values(rendered).map((objects) => JSON.stringify(deploymentOf(objects).spec.selector));
    expect(new Set(selectors).size).toBe(1);
    const serviceSelectors = Object.values(rendered).map((objects) => JSON.stringify((findObject(objects, 'Service', FULLNAME) as K8sObject & { spec: { selector: unknown } }).spec.selector));
    expect(new Set(serviceSelectors).size).toBe(1);
  });

  it('renders nothing for disabled integrations by default', () => {
    const kinds = rendered.defaults.map((object) => `${object.kind}/${object.metadata.name}`).sort();
    expect(kinds).toEqual([
      `ConfigMap/${FULLNAME}`,
      `Deployment/${FULLNAME}`,
      `Pod/${FULLNAME}-test`,
      `PodDisruptionBudget/${FULLNAME}`,
      `Secret/${FULLNAME}`,
      `Service/${FULLNAME}`,
      `ServiceAccount/${FULLNAME}`,
    ]);
    const defaultSecret = findObject(rendered.defaults, 'Secret', FULLNAME) as K8sObject & { data: Record<string, string> };
    expect(defaultSecret.data).toEqual({});
    expect(deploymentOf(rendered.defaults).spec.replicas).toBe(1);
    expect(deploymentOf(rendered.defaults).spec.template.spec.terminationGracePeriodSeconds).toBe((DEFAULT_DRAIN_DELAY_MS + DEFAULT_DRAIN_TIMEOUT_MS) / 1000 + 10);
    expect(gatewayOf(rendered.defaults).lifecycle).toBeUndefined();
  });

  it('renders every integration when enabled', () => {
    const full = rendered[Object.keys(SCENARIOS)[1]];
    const kinds = new Set(full.map((object) => object.kind));
    for (const kind of ['Ingress', 'HorizontalPodAutoscaler', 'ServiceMonitor', 'PrometheusRule', 'NetworkPolicy']) expect(kinds).toContain(kind);
    expect(deploymentOf(full).spec.replicas).toBeUndefined();
    const ingress = findObject(full, 'Ingress') as K8sObject & { spec: { rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> } }> } };
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: FULLNAME, port: { name: 'http' } });
    expect(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
    const monitor = findObject(full, 'ServiceMonitor') as K8sObject & { spec: { endpoints: Array<{ port: string; path: string }>; selector: { matchLabels: Record<string, string> } } };
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
    expect(monitor.spec.selector.matchLabels).toEqual(deploymentOf(full).spec.selector.matchLabels);
    expect(monitor.metadata.labels?.release).toBe('kube-prometheus-stack');
    const gateway = gatewayOf(full);
    expect(gateway.lifecycle?.preStop?.exec?.command).toEqual(['sleep', '5']);
    expect(deploymentOf(full).spec.template.spec.terminationGracePeriodSeconds).toBe(5 + 35 + 10);
    expect(configMapData(full).NO_PROXY.split(',')).toEqual(expect.arrayContaining(['.corp.example', 'localhost', '.svc', 'redis.example.com']));
    expect(gateway.volumeMounts).toEqual(expect.arrayContaining([{ name: 'google-credentials', mountPath: '/var/run/secrets/geminicli2api/google', readOnly: true }]));
    expect(configMapData(full).GEMINI_CREDENTIALS_DIR).toBe('/var/run/secrets/geminicli2api/google');
    const files = findObject(full, 'Secret', `${FULLNAME}-google-credentials`) as K8sObject & { data: Record<string, string> };
    expect(Object.keys(files.data).sort()).toEqual(['team-a.json', 'team-b.json']);
    expect(JSON.parse(Buffer.from(files.data['team-b.json'], 'base64').toString())).toEqual({ refresh_token: 'rt-b', token_type: 'Bearer' });
    const secret = findObject(full, 'Secret', FULLNAME) as K8sObject & { data: Record<string, string> };
    const decoded = Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]));
    expect(decoded.GATEWAY_API_KEYS).toBe('alice:sk-alice-0123456789,bob:sk-bob-0123456789');
    expect(JSON.parse(decoded.GEMINI_CREDENTIALS)).toEqual({ refresh_token: 'rt-inline', token_type: 'Bearer' });
  });

  it('builds the PrometheusRule from the shipped rules file, and promtool accepts what it renders', async () => {
    const full = rendered[Object.keys(SCENARIOS)[1]];
    const rule = findObject(full, 'PrometheusRule') as K8sObject & { spec: { groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; labels: Record<string, string>; annotations: Record<string, string> }> }> } };
    const source = parseYaml(await readFile(join(CHART_DIR, 'files/prometheus/geminicli2api.rules.yml'), 'utf8')) as { groups: Array<{ name: string; rules: Array<{ alert: string; expr: string }> }> };
    const sourceAlerts = source.groups.flatMap((group) => group.rules.map((entry) => entry.alert));
    const renderedAlerts = rule.spec.groups.flatMap((group) => group.rules);
    expect(renderedAlerts.map((entry) => entry.alert)).toEqual(sourceAlerts.filter((name) => name !== 'GeminiCli2ApiDailyQuotaExhausted'));
    for (const entry of renderedAlerts) {
      expect(entry.labels.team).toBe('platform');
      expect(entry.labels.severity).toMatch(/^(critical|warning|info)$/);
      expect(entry.annotations.runbook_url).toMatch(/^https:\/\/wiki\.example\.com\/runbooks\/geminicli2api#[a-z0-9-]+$/);
      expect(entry.expr).toBe(source.groups.flatMap((group) => group.rules).find((candidate) => candidate.alert === entry.alert)?.expr);
    }
    const directory = await mkdtemp(join(tmpdir(), 'gcli2api-rules-'));
    try {
      const file = join(directory, 'rendered.rules.yml');
      await writeFile(file, JSON.stringify({ groups: rule.spec.groups }));
      expect(promtoolCheckRules(file)).toContain('SUCCESS');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('ships every dashboard in the Grafana sidecar ConfigMap', async () => {
    const full = rendered[Object.keys(SCENARIOS)[1]];
    const configMap = findObject(full, 'ConfigMap', `${FULLNAME}-dashboards`) as K8sObject & { data: Record<string, string> };
    expect(configMap.metadata.labels?.grafana_dashboard).toBe('1');
    expect(configMap.metadata.annotations?.grafana_folder).toBe('LLM gateway');
    const files = (await readdir(join(CHART_DIR, 'files/dashboards'))).filter((file) => file.endsWith('.json'));
    expect(Object.keys(configMap.data).sort()).toEqual(files.sort());
    for (const file of files) expect(JSON.parse(configMap.data[file])).toEqual(JSON.parse(await readFile(join(CHART_DIR, 'files/dashboards', file), 'utf8')));
  });

  it('adds a Vertex AI credential next to the login files: key from a Secret, Workload Identity on the ServiceAccount', () => {
    const objects = rendered['Vertex AI (key Secret, Workload Identity)'];
    const account = findObject(objects, 'ServiceAccount') as K8sObject;
    expect(account.metadata.annotations?.['iam.gke.io/gcp-service-account']).toBe('gateway@my-vertex-project.iam.gserviceaccount.com');
    expect(configMapData(objects).GEMINI_CREDENTIALS_DIR).toBe('/var/run/secrets/geminicli2api/google');
    expect(configMapData(objects).VERTEX_ENDPOINT).toBe('https://europe-west4-aiplatform.googleapis.com');
    const item = (findObject(objects, 'ConfigMap', `${FULLNAME}-vertex-credential`) as unknown as { data: Record<string, string> }).data['vertex.json'];
    // The gateway's own parser reads what the chart renders.
    const credential = parseCredential(JSON.parse(item), 'vertex.json', 'vertex');
    expect(credential).toMatchObject({ backend: 'vertex', label: 'vertex-sa', priority: 2, models: ['gemini-2.5-*'], vertex: { project: 'my-vertex-project', location: 'europe-west4', keyFile: '/var/run/secrets/geminicli2api/vertex-key/key.json' } });
    const spec = deploymentOf(objects).spec.template.spec;
    const volumes = spec.volumes as Array<{ name: string; projected?: { sources: Array<Record<string, { name: string }>> }; secret?: { secretName: string; items?: Array<{ key: string; path: string }> } }>;
    const projected = volumes.find((volume) => volume.name === 'google-credentials')?.projected;
    expect(projected?.sources).toEqual([{ secret: { name: `${FULLNAME}-google-credentials` } }, { configMap: { name: `${FULLNAME}-vertex-credential` } }]);
    expect(volumes.find((volume) => volume.name === 'vertex-key')?.secret).toMatchObject({ secretName: 'vertex-sa-key', items: [{ key: 'sa.json', path: 'key.json' }] });
    expect(gatewayOf(objects).volumeMounts).toEqual(expect.arrayContaining([{ name: 'vertex-key', mountPath: '/var/run/secrets/geminicli2api/vertex-key', readOnly: true }]));
    // The key never lands in a ConfigMap.
    expect(JSON.stringify(objects.filter((object) => object.kind === 'ConfigMap'))).not.toContain('PRIVATE KEY');
  });

  it('uses the pod\'s own identity for Vertex AI when no key Secret is given', () => {
    const objects = render({ set: { 'google.vertex.project': 'wi-project', 'google.vertex.workloadIdentityServiceAccount': 'gw@wi-project.iam.gserviceaccount.com' } });
    const item = JSON.parse((findObject(objects, 'ConfigMap', `${FULLNAME}-vertex-credential`) as unknown as { data: Record<string, string> }).data['vertex.json']) as Record<string, unknown>;
    expect(item).toEqual({ type: 'vertex_adc', project: 'wi-project', location: 'us-central1', label: 'vertex', priority: 2 });
    const volumes = deploymentOf(objects).spec.template.spec.volumes ?? [];
    expect(volumes.map((volume) => volume.name)).not.toContain('vertex-key');
    expect((findObject(objects, 'ServiceAccount') as K8sObject).metadata.annotations?.['iam.gke.io/gcp-service-account']).toBe('gw@wi-project.iam.gserviceaccount.com');
  });

  it('uses an existing Secret instead of creating one', () => {
    const objects = rendered['existing Secret'];
    expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
    const gateway = gatewayOf(objects);
    expect(gateway.envFrom?.[1]).toEqual({ secretRef: { name: 'gateway-env' } });
    const volume = deploymentOf(objects).spec.template.spec.volumes?.find((candidate) => candidate.name === 'google-credentials');
    expect(volume?.secret?.secretName).toBe('gateway-google');
    const testPod = findObject(objects, 'Pod') as K8sObject & { spec: PodSpec };
    expect(testPod.spec.containers[0].env?.find((variable) => variable.name === 'GEMINI_AUTH_PASSWORD')?.valueFrom?.secretKeyRef?.name).toBe('gateway-env');
  });

  it('wires the bundled Redis with its password and only lets the gateway reach it', () => {
    const objects = rendered['bundled Redis'];
    const redis = findObject(objects, 'Deployment', `${FULLNAME}-redis`) as Deployment;
    const redisService = findObject(objects, 'Service', `${FULLNAME}-redis`) as K8sObject & { spec: { selector: Record<string, string> } };
    expect(redisService.spec.selector).toEqual(redis.spec.selector.matchLabels);
    expect(redis.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('redis');
    expect(redis.spec.template.spec.containers[0].command).toEqual(expect.arrayContaining(['--requirepass', '$(REDIS_PASSWORD)']));
    const gateway = gatewayOf(objects);
    expect(gateway.env?.map((variable) => variable.name)).toEqual(['REDIS_PASSWORD', 'REDIS_URL']);
    expect(envValue(gateway, 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: 'redis-auth', key: 'password' });
    expect(envValue(gateway, 'REDIS_URL')?.value).toBe(`redis://:$(REDIS_PASSWORD)@${FULLNAME}-redis:6379/0`);
    const policy = findObject(objects, 'NetworkPolicy', `${FULLNAME}-redis`) as K8sObject & { spec: { ingress: Array<{ from: Array<{ podSelector: { matchLabels: Record<string, string> } }> }> } };
    expect(policy.spec.ingress[0].from[0].podSelector.matchLabels).toEqual(deploymentOf(objects).spec.selector.matchLabels);
  });

  it('generates a password for the bundled Redis when none is given, and both sides use it', () => {
    const objects = render({ set: { 'redis.bundled.enabled': 'true', 'auth.apiKey': 'sk-default-0123456789' } });
    const secret = findObject(objects, 'Secret', `${FULLNAME}-redis`) as K8sObject & { data: Record<string, string>; metadata: { annotations?: Record<string, string> } };
    const password = Buffer.from(secret.data['redis-password'], 'base64').toString('utf8');
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    const redis = (findObject(objects, 'Deployment', `${FULLNAME}-redis`) as Deployment).spec.template.spec.containers[0];
    expect(redis.command).toEqual(expect.arrayContaining(['--requirepass', '$(REDIS_PASSWORD)']));
    expect(envValue(redis, 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: `${FULLNAME}-redis`, key: 'redis-password' });
    const gateway = gatewayOf(objects);
    expect(envValue(gateway, 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: `${FULLNAME}-redis`, key: 'redis-password' });
    expect(envValue(gateway, 'REDIS_URL')?.value).toBe(`redis://:$(REDIS_PASSWORD)@${FULLNAME}-redis:6379/0`);
  });

  it('pins the bundled Redis image by digest when one is given', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const objects = render({ set: { 'redis.bundled.enabled': 'true', 'redis.bundled.image.digest': digest, 'auth.apiKey': 'sk-default-0123456789' } });
    const redis = (findObject(objects, 'Deployment', `${FULLNAME}-redis`) as Deployment).spec.template.spec.containers[0];
    expect(redis.image).toBe(`docker.io/library/redis@${digest}`);
  });

  it('keeps the generated Redis password stable across upgrades (looked up from the cluster)', async () => {
    const template = await readFile(join(CHART_DIR, 'templates/redis.yaml'), 'utf8');
    expect(template).toMatch(/lookup "v1" "Secret" \.Release\.Namespace \$secretName/);
    expect(template).toMatch(/\$password = index \$existing\.data "redis-password" \| b64dec/);
  });

  it('makes an enabled NetworkPolicy with empty peer lists admit only the ingress and monitoring namespaces', () => {
    const objects = render({ set: { 'networkPolicy.enabled': 'true', 'redis.bundled.enabled': 'true', 'auth.apiKey': 'sk-default-0123456789' } });
    type Rule = { ports: Array<{ port: string }>; from?: Array<Record<string, unknown>> };
    const policy = findObject(objects, 'NetworkPolicy', FULLNAME) as K8sObject & { spec: { ingress: Rule[] } };
    const ruleFor = (port: string) => policy.spec.ingress.find((rule) => rule.ports.some((entry) => entry.port === port))!;
    expect(ruleFor('http').from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
    expect(ruleFor('metrics').from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    expect(policy.spec.ingress.every((rule) => Array.isArray(rule.from) && rule.from.length > 0)).toBe(true);
    const redisPolicy = findObject(objects, 'NetworkPolicy', `${FULLNAME}-redis`) as K8sObject & { spec: { ingress: Rule[] } };
    expect(redisPolicy.spec.ingress).toHaveLength(1);
    expect(redisPolicy.spec.ingress[0].from).toEqual([{ podSelector: { matchLabels: deploymentOf(objects).spec.selector.matchLabels } }]);
  });

  it.each(['LoadBalancer', 'NodePort'])('never publishes the metrics port on a %s Service', (type) => {
    const objects = render({ set: { 'service.type': type, 'auth.apiKey': 'sk-default-0123456789' } });
    type Service = K8sObject & { spec: { type: string; ports: Array<{ name: string }> } };
    const services = objects.filter((object) => object.kind === 'Service') as Service[];
    const published = services.filter((service) => service.spec.type !== 'ClusterIP');
    expect(published).toHaveLength(1);
    expect(published[0].spec.ports.map((port) => port.name)).toEqual(['http']);
    const metrics = services.find((service) => service.spec.ports.some((port) => port.name === 'metrics'));
    expect(metrics?.spec.type).toBe('ClusterIP');
    expect(configMapData(objects).METRICS_HOST).toBe('0.0.0.0');
  });

  it('connects to an external Redis over TLS with an ACL user, a password Secret and a private CA', () => {
    const objects = rendered['external Redis with TLS'];
    const gateway = gatewayOf(objects);
    expect(envValue(gateway, 'REDIS_URL')?.value).toBe('rediss://gateway:$(REDIS_PASSWORD)@redis.internal.example:6380/2');
    expect(gateway.env?.findIndex((variable) => variable.name === 'REDIS_PASSWORD')).toBeLessThan(gateway.env!.findIndex((variable) => variable.name === 'REDIS_URL'));
    expect(configMapData(objects).NODE_EXTRA_CA_CERTS).toBe('/etc/geminicli2api/ca/ca.pem');
    expect(configMapData(objects).REDIS_KEY_PREFIX).toBe('team-a:');
    expect(gateway.volumeMounts).toEqual(expect.arrayContaining([{ name: 'extra-ca', mountPath: '/etc/geminicli2api/ca', readOnly: true }]));
    expect(objects.some((object) => object.metadata.name.endsWith('-redis'))).toBe(false);
  });

  it('keeps a password-bearing Redis URL in the Secret, never in the pod spec', () => {
    const objects = rendered['external Redis, password inline'];
    const gateway = gatewayOf(objects);
    expect(envValue(gateway, 'REDIS_URL')?.valueFrom?.secretKeyRef).toEqual({ name: FULLNAME, key: 'REDIS_URL' });
    expect(JSON.stringify(deploymentOf(objects))).not.toContain('s3cret');
    const secret = findObject(objects, 'Secret', FULLNAME) as K8sObject & { data: Record<string, string> };
    expect(Buffer.from(secret.data.REDIS_URL, 'base64').toString()).toBe('redis://:s3cret@redis.redis.svc:6379/0');
  });

  it('changes checksum/config only when settings change, checksum/secret only when secrets change', () => {
    const annotations = (set: Record<string, string>) => deploymentOf(render({ set })).spec.template.metadata.annotations;
    const base = annotations({});
    const logLevel = annotations({ 'config.logLevel': 'debug' });
    const apiKey = annotations({ 'auth.apiKey': 'sk-rotated-0123456789' });
    const replicas = deploymentOf(render({ set: { replicaCount: '1' } })).spec.template.metadata.annotations;
    expect(logLevel['checksum/config']).not.toBe(base['checksum/config']);
    expect(logLevel['checksum/secret']).toBe(base['checksum/secret']);
    expect(apiKey['checksum/secret']).not.toBe(base['checksum/secret']);
    expect(apiKey['checksum/config']).toBe(base['checksum/config']);
    expect(replicas).toEqual(base);
  });

  it.each([
    ['replicaCount is not a number', { replicaCount: 'three' }, /replicaCount: Invalid type. Expected: integer, given: string/],
    ['an unknown top-level value (typo)', { replicas: '3' }, /Additional property replicas is not allowed/],
    ['an unknown log level', { 'config.logLevel': 'verbose' }, /logLevel/],
    ['an http:// Redis URL', { 'redis.url': 'http://redis:6379' }, /redis.url/],
    ['a client key name the app rejects', { 'auth.apiKeys.bad name': 'sk-x' }, /apiKeys/],
  ])('values.schema.json rejects %s', (_label, set, message) => {
    expect(renderError({ set })).toMatch(message);
  });

  it('mounts a client keys file from a Secret (not subPath, so edits reach the pods) and points CLIENT_KEYS_FILE at it', () => {
    const objects = render({ set: { 'auth.keysFile.secretName': 'team-keys', 'auth.keysFile.key': 'keys.yaml' } });
    const spec = deploymentOf(objects).spec.template.spec;
    expect(envValue(gatewayOf(objects), 'CLIENT_KEYS_FILE')?.value).toBe('/var/run/secrets/geminicli2api/keys/keys.yaml');
    expect(spec.volumes?.find((volume) => volume.name === 'client-keys')?.secret?.secretName).toBe('team-keys');
    const mount = gatewayOf(objects).volumeMounts?.find((candidate) => candidate.name === 'client-keys');
    expect(mount).toMatchObject({ mountPath: '/var/run/secrets/geminicli2api/keys', readOnly: true });
    expect(mount).not.toHaveProperty('subPath');
  });

  it('refuses Redis without a client key (each pod would make up its own), and accepts a keys file as the key', () => {
    expect(renderError({ set: { 'redis.bundled.enabled': 'true' } })).toMatch(/With Redis \(several replicas\) set a client key/);
    expect(render({ set: { 'redis.bundled.enabled': 'true', 'auth.keysFile.secretName': 'team-keys' } }).length).toBeGreaterThan(3);
  });

  it('refuses a grace period shorter than the drain, and two Redis sources at once', () => {
    expect(renderError({ valuesFiles: [join(__dirname, 'helpers/values-short-grace.yaml')] })).toMatch(/terminationGracePeriodSeconds \(30\) must exceed .* = 35/);
    expect(renderError({ valuesFiles: [join(__dirname, 'helpers/values-two-redis.yaml')] })).toMatch(/mutually exclusive/);
  });
});

describe('Helm chart NOTES.txt', () => {
  it('warns about a missing client key, a missing credential, an Ingress without TLS and replicas without Redis', async () => {
    const notes = await renderNotes({ valuesFiles: [join(__dirname, 'helpers/values-unsafe.yaml')] });
    expect(notes).toContain('WARNING: no client key configured');
    expect(notes).toContain('WARNING: no Google credential configured');
    expect(notes).toContain('WARNING: the Ingress has no TLS block');
    expect(notes).toContain('WARNING: 3 replicas without Redis');
    expect(notes).toContain('http://unsafe.example.com/');
  });

  it('stays quiet for a careful setup and says how to reach the gateway', async () => {
    const notes = await renderNotes({ valuesFiles: ['ci/bundled-redis-values.yaml'] });
    expect(notes).not.toContain('WARNING');
    expect(notes).toContain(`kubectl port-forward --namespace ${NAMESPACE} svc/${FULLNAME} 8888:8888`);
    expect(notes).toContain(`helm test ${RELEASE}`);
  });
});

describe('Helm chart documentation', () => {
  /** Every leaf path of values.yaml (maps and lists with content are descended; empty ones are leaves). */
  function leafPaths(node: YamlNode | null, prefix: string, into: string[]): void {
    if (isMap(node) && node.items.length > 0 && !['podSecurityContext', 'securityContext', 'resources', 'behavior', 'strategy', 'labels'].some((free) => prefix.endsWith(free))) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        leafPaths(pair.value as YamlNode, prefix ? `${prefix}.${key}` : key, into);
      }
    } else {
      into.push(prefix);
    }
  }

  it('documents every value in the chart README and types it in values.schema.json', async () => {
    const document = parseDocument(await readFile(join(CHART_DIR, 'values.yaml'), 'utf8'));
    const paths: string[] = [];
    leafPaths(document.contents as YamlNode, '', paths);
    expect(paths.length).toBeGreaterThan(80);
    const readme = await readFile(join(CHART_DIR, 'README.md'), 'utf8');
    expect(paths.filter((path) => !readme.includes(`\`${path}\``))).toEqual([]);
    const schema = JSON.parse(await readFile(join(CHART_DIR, 'values.schema.json'), 'utf8')) as SchemaNode;
    const untyped = paths.filter((path) => !schemaHas(schema, path.split('.')));
    expect(untyped).toEqual([]);
  });

  it('comments every top-level value in values.yaml', async () => {
    const lines = (await readFile(join(CHART_DIR, 'values.yaml'), 'utf8')).split('\n');
    const isComment = (line: string | undefined) => (line ?? '').trim().startsWith('#');
    const undocumented = lines
      .map((line, index) => ({ line, index }))
      .filter(({ line }) => /^[a-zA-Z]+:/.test(line))
      // documented above the key, or (for a block) above its first child
      .filter(({ line, index }) => !isComment(lines[index - 1]) && !(line.trim().endsWith(':') && isComment(lines[index + 1])))
      .map(({ line }) => line.split(':')[0]);
    expect(undocumented).toEqual([]);
  });
});

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
}

function schemaHas(schema: SchemaNode, path: string[]): boolean {
  if (path.length === 0) return true;
  const [head, ...rest] = path;
  const next = schema.properties?.[head] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
  if (!next) return schema.type === 'object' && schema.properties === undefined && schema.additionalProperties !== false;
  return schemaHas(next, rest);
}
