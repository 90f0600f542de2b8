import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { spawnSync } from 'node:child_process';
import { findPrometheusBinary } from '../../support/prometheus';
import { API_PORT, CONTRACT_ENV_NAMES, DEFAULT_DRAIN_DELAY_MS, DEFAULT_DRAIN_TIMEOUT_MS, LIVENESS_PATH, METRICS_PORT, PLATFORM_ENV_NAMES, PROBE_PATHS } from './helpers/contract';
import { REPO_ROOT } from './helpers/helm';
import { composeSeconds, type ComposeService } from '../../support/compose-file';

// Real processes (helm, nginx, promtool) can be slow on a loaded 2-core CI machine.
jest.setTimeout(30_000);

/**
 * Keeps the Dockerfile and docker-compose.yml reviewed against the running configuration: env
 * names, ports, health paths, user, and the nginx config compose mounts. The image is also built
 * and run with a real engine by test/container/check.sh (`npm run test:container`); the compose
 * file is validated against the Compose schema by compose-schema.int-spec.ts.
 */
const CONTRACT = new Set<string>([...CONTRACT_ENV_NAMES, ...PLATFORM_ENV_NAMES]);
const COMPOSE_ONLY_VARIABLES = new Set(['GATEWAY_IMAGE', 'GRAFANA_ADMIN_PASSWORD', 'GOOGLE_CREDENTIALS_GID']);
const GATEWAYS = ['gateway-1', 'gateway-2', 'gateway-3'];

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') && current === '') continue;
    if (line === '' && current === '') continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  return logical.map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
}


describe('Dockerfile', () => {
  let instructions: Instruction[];
  let runtime: Instruction[];
  beforeAll(async () => {
    instructions = parseDockerfile(await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
    const lastFrom = instructions.map((instruction) => instruction.keyword).lastIndexOf('FROM');
    runtime = instructions.slice(lastFrom);
  });

  it('is multi-stage: builds with dev dependencies, ships production ones only', () => {
    expect(instructions.filter((instruction) => instruction.keyword === 'FROM').length).toBeGreaterThanOrEqual(2);
    const runs = instructions.filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.args).join('\n');
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm run build/);
    expect(runs).toMatch(/npm prune --omit=dev/);
    expect(runtime.filter((instruction) => instruction.keyword === 'COPY').every((instruction) => instruction.args.startsWith('--from='))).toBe(true);
  });

  it('copies only sources that exist and that .dockerignore lets through', async () => {
    const ignored = (await readFile(join(REPO_ROOT, '.dockerignore'), 'utf8')).split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#') && !line.startsWith('!'));
    const contextCopies = instructions.filter((instruction) => instruction.keyword === 'COPY' && !instruction.args.startsWith('--from='));
    expect(contextCopies.length).toBeGreaterThan(0);
    for (const copy of contextCopies) {
      const sources = copy.args.split(/\s+/).filter((part) => !part.startsWith('--')).slice(0, -1);
      for (const source of sources) {
        expect({ source, exists: existsSync(join(REPO_ROOT, source)) }).toEqual({ source, exists: true });
        expect({ source, ignored: ignored.includes(source) || ignored.includes(`${source}/`) }).toEqual({ source, ignored: false });
      }
    }
  });

  it('runs the gateway entry point as the non-root user 10001', () => {
    const user = runtime.filter((instruction) => instruction.keyword === 'USER').pop();
    expect(user?.args).toMatch(/^10001(:10001)?$/);
    const command = runtime.filter((instruction) => instruction.keyword === 'CMD').pop();
    expect(JSON.parse(command!.args)).toEqual(expect.arrayContaining(['node', 'dist/apps/gateway/src/main.js']));
    expect(existsSync(join(REPO_ROOT, 'apps/gateway/src/main.ts'))).toBe(true);
  });

  it('exposes the API and metrics ports and sets only contract variables', () => {
    const exposed = runtime.filter((instruction) => instruction.keyword === 'EXPOSE').flatMap((instruction) => instruction.args.split(/\s+/));
    expect(exposed.sort()).toEqual([String(API_PORT), String(METRICS_PORT)].sort());
    const envNames = instructions.filter((instruction) => instruction.keyword === 'ENV').flatMap((instruction) => [...instruction.args.matchAll(/([A-Z_][A-Z0-9_]*)=/g)].map((match) => match[1]));
    expect(envNames.filter((name) => !CONTRACT.has(name) && !name.startsWith('NPM_CONFIG_'))).toEqual([]);
    const runtimeEnv = runtime.filter((instruction) => instruction.keyword === 'ENV').map((instruction) => instruction.args).join(' ');
    expect(runtimeEnv).toContain(`PORT=${API_PORT}`);
    expect(runtimeEnv).toContain(`METRICS_PORT=${METRICS_PORT}`);
  });

  it('health-checks the liveness path with node (no curl in the image)', () => {
    const healthcheck = runtime.find((instruction) => instruction.keyword === 'HEALTHCHECK');
    expect(healthcheck).toBeDefined();
    const command = JSON.parse(healthcheck!.args.slice(healthcheck!.args.indexOf('CMD') + 3).trim()) as string[];
    expect(command[0]).toBe('node');
    const path = /path: '([^']+)'/.exec(command.join(' '))?.[1];
    expect(PROBE_PATHS).toContain(path);
    expect(path).toBe(LIVENESS_PATH);
    expect(healthcheck!.args).not.toMatch(/curl|wget/);
  });

  it('health-checks the address HOST binds (a wildcard on loopback)', () => {
    const healthcheck = runtime.find((instruction) => instruction.keyword === 'HEALTHCHECK')!;
    const script = (JSON.parse(healthcheck.args.slice(healthcheck.args.indexOf('CMD') + 3).trim()) as string[])[2];
    const probed = (env: Record<string, string>): { host: string; port: string | number } => {
      let target = { host: '', port: '' as string | number };
      const fakeHttp = { get: (options: { host: string; port: string | number }) => { target = options; const request = { on: () => request }; return request; } };
      new Function('require', 'process', script)(() => fakeHttp, { env, exit: () => undefined });
      return { host: target.host, port: target.port };
    };
    expect(probed({ HOST: '0.0.0.0', PORT: '8888' })).toEqual({ host: '127.0.0.1', port: '8888' });
    expect(probed({ HOST: '::', PORT: '8888' })).toEqual({ host: '127.0.0.1', port: '8888' });
    expect(probed({ HOST: '127.0.0.2', PORT: '9000' })).toEqual({ host: '127.0.0.2', port: '9000' });
    expect(probed({ HOST: '10.1.2.3' })).toEqual({ host: '10.1.2.3', port: 8888 });
  });

  it('has no `# syntax=` directive (an offline build cannot pull a frontend) and takes the npm CA only as a secret', async () => {
    const text = await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(text).not.toMatch(/^#\s*syntax\s*=/im);
    const install = instructions.find((instruction) => instruction.keyword === 'RUN' && /npm ci\b/.test(instruction.args))!;
    expect(install.args).toContain('--mount=type=secret,id=npmca');
    expect(text).not.toMatch(/^(COPY|ADD)\b.*(\.crt|\.pem|npmca)/im);
  });
});

describe('.dockerignore', () => {
  it('keeps credentials, .env, dependencies and history out of the build context', async () => {
    const lines = (await readFile(join(REPO_ROOT, '.dockerignore'), 'utf8')).split('\n').map((line) => line.trim());
    for (const entry of ['.env', 'oauth_creds.json', '**/oauth_creds.json', 'node_modules', 'dist', '.git']) expect(lines).toContain(entry);
  });
});

describe('docker-compose.yml', () => {
  let services: Record<string, ComposeService>;
  let composeText: string;
  beforeAll(async () => {
    composeText = await readFile(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
    services = (parseYaml(composeText, { merge: true }) as { services: Record<string, ComposeService> }).services;
  });

  it('runs Redis, three gateway replicas and nginx', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['redis', ...GATEWAYS, 'nginx']));
  });

  it.each(GATEWAYS)('%s: hardened, contract env only, real health path, drain-sized stop grace', (name) => {
    const gateway = services[name];
    expect(gateway.build).toBeDefined();
    expect(gateway.user).toBe('10001:10001');
    expect(gateway.read_only).toBe(true);
    expect(gateway.cap_drop).toEqual(['ALL']);
    expect(Object.keys(gateway.environment ?? {}).filter((variable) => !CONTRACT.has(variable))).toEqual([]);
    expect(gateway.environment).toMatchObject({ PORT: String(API_PORT), METRICS_PORT: String(METRICS_PORT) });
    expect(gateway.environment?.REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
    expect(gateway.env_file).toEqual([{ path: '.env', required: false }]);
    expect(gateway.expose).toEqual([String(API_PORT), String(METRICS_PORT)]);
    // No `test` of its own: the image's HEALTHCHECK (checked above, HOST-aware) runs.
    expect(gateway.healthcheck).toBeDefined();
    expect(gateway.healthcheck?.test).toBeUndefined();
    expect(composeSeconds(gateway.stop_grace_period, 0)).toBeGreaterThan((DEFAULT_DRAIN_DELAY_MS + DEFAULT_DRAIN_TIMEOUT_MS) / 1000);
    expect(gateway.depends_on).toMatchObject({ redis: { condition: 'service_healthy' } });
    // The original project's credential file, mounted read-only.
    const mount = gateway.volumes?.find((volume) => typeof volume === 'object' && volume.target === '/run/geminicli2api/oauth_creds.json');
    expect(mount).toMatchObject({ type: 'bind', read_only: true });
    expect(gateway.environment?.GOOGLE_APPLICATION_CREDENTIALS).toBe('${GOOGLE_APPLICATION_CREDENTIALS:+/run/geminicli2api/oauth_creds.json}');
  });

  it('puts nginx in front with the shipped (tested) config, pointing at every replica', async () => {
    const nginx = services.nginx;
    const mount = nginx.volumes?.find((volume) => typeof volume === 'string' && volume.includes('deploy/nginx')) as string;
    expect(mount).toBe('./deploy/nginx/compose/geminicli2api.conf:/etc/nginx/conf.d/default.conf:ro');
    const config = await readFile(join(REPO_ROOT, 'deploy/nginx/compose/geminicli2api.conf'), 'utf8');
    const servers = [...config.matchAll(/^[ \t]*server ([^\s;{]+)[^{\n]*;$/gm)].map((match) => match[1]);
    expect(servers).toEqual(GATEWAYS.map((name) => `${name}:${API_PORT}`));
    const listen = /^\s*listen (\d+);/m.exec(config)?.[1];
    expect(nginx.ports).toEqual([`\${PORT:-8888}:${listen}`]);
    expect(nginx.healthcheck?.test?.join(' ')).toContain(`http://127.0.0.1:${listen}/nginx-health`);
    expect(config).toContain('location = /nginx-health');
    expect(Object.keys(nginx.depends_on ?? {}).sort()).toEqual([...GATEWAYS].sort());
  });

  it('uses only known variables in interpolations, and .env.example documents the contract', async () => {
    const interpolated = [...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]);
    expect(interpolated.filter((name) => !CONTRACT.has(name) && !COMPOSE_ONLY_VARIABLES.has(name))).toEqual([]);
    const example = await readFile(join(REPO_ROOT, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    expect([...documented].filter((name) => !CONTRACT.has(name) && !COMPOSE_ONLY_VARIABLES.has(name))).toEqual([]);
    expect(CONTRACT_ENV_NAMES.filter((name) => !documented.has(name))).toEqual([]);
    for (const original of ['GEMINI_AUTH_PASSWORD', 'GEMINI_CREDENTIALS', 'GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_CLOUD_PROJECT', 'PORT']) expect(documented).toContain(original);
  });

  it('wires the monitoring profile to the replicas, the alert rules and the dashboards', async () => {
    for (const name of ['prometheus', 'grafana']) expect(services[name].profiles).toEqual(['monitoring']);
    for (const volume of [...(services.prometheus.volumes ?? []), ...(services.grafana.volumes ?? [])]) {
      if (typeof volume !== 'string' || !volume.startsWith('./')) continue;
      expect({ volume, exists: existsSync(join(REPO_ROOT, volume.split(':')[0])) }).toEqual({ volume, exists: true });
    }
    const configPath = join(REPO_ROOT, 'deploy/prometheus/compose/prometheus.yml');
    const config = parseYaml(await readFile(configPath, 'utf8')) as { scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }> };
    expect(config.scrape_configs[0].static_configs[0].targets).toEqual(GATEWAYS.map((name) => `${name}:${METRICS_PORT}`));
    const check = spawnSync(findPrometheusBinary('promtool'), ['check', 'config', configPath], { encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toContain('SUCCESS');
  });
});
