/**
 * Runs docker-compose.yml's default stack (Redis, the three gateways, nginx) with plain
 * `docker run`, because Compose v2 is not packaged for Debian. Called by test/container/check.sh:
 *   node dist/test/support/compose-stack.js PROJECT_DIR ENV_FILE NAME_PREFIX WORK_DIR
 *
 * Every service keeps the settings the compose file gives it (image, user, group_add, read_only,
 * tmpfs, cap_drop, security_opt, init, env_file + environment, volumes, healthcheck timing,
 * stop signal and grace, memory limit, command), started in depends_on waves, each wave once
 * the one before is healthy. No bridge network exists here, so instead of compose's network the services
 * share one network namespace that has only loopback: a `pod` container run with
 * `--network none`, joined by the others (`--network container:`). Service names resolve through
 * a hosts file; the gateways, which all listen on 8888, get their own loopback address as HOST and METRICS_HOST
 * (127.0.0.11-13) — the one setting that differs from compose. The Google emulator runs in the
 * same namespace. Prints PASS/FAIL lines; exits 1 when a check fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { composeSeconds, loadComposeFile, type ComposeBindVolume, type ComposeFile, type ComposeService } from './compose-file';

const DOCKER = process.env.DOCKER_CLI ?? '/usr/bin/docker';
const EMULATOR_PORT = 8090;
const NGINX_URL = 'http://127.0.0.1:8080';
const [projectDir, envFile, prefix, workDir] = process.argv.slice(2);
let failed = false;

function docker(args: string[], timeoutSeconds = 120): string {
  return execFileSync(DOCKER, args, { encoding: 'utf8', timeout: timeoutSeconds * 1000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function report(name: string, passed: boolean, detail = ''): void {
  if (!passed) failed = true;
  process.stdout.write(`${passed ? 'PASS' : 'FAIL'} ${name}${detail ? `  (${detail})` : ''}\n`);
}

const dependenciesOf = (service: ComposeService): string[] => (Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {}));

/** The default `docker compose up` services (no profile) in waves: each wave needs only earlier ones. */
function startWaves(compose: ComposeFile): string[][] {
  let pending = Object.keys(compose.services).filter((name) => !compose.services[name].profiles);
  const started = new Set<string>();
  const waves: string[][] = [];
  while (pending.length > 0) {
    const wave = pending.filter((name) => dependenciesOf(compose.services[name]).every((dependency) => started.has(dependency)));
    if (wave.length === 0) throw new Error(`depends_on cycle among ${pending.join(', ')}`);
    wave.forEach((name) => started.add(name));
    pending = pending.filter((name) => !started.has(name));
    waves.push(wave);
  }
  return waves;
}

function runArguments(name: string, service: ComposeService, hostAddress: string | undefined, composeEnvFile: string, stackEnv: Record<string, string>): string[] {
  const args = ['run', '-d', '--name', `${prefix}-${name}`, '--network', `container:${prefix}-pod`, '-v', `${join(workDir, 'hosts')}:/etc/hosts:ro`];
  if (service.init) args.push('--init');
  if (service.user) args.push('--user', service.user);
  for (const group of service.group_add ?? []) args.push('--group-add', group);
  if (service.read_only) args.push('--read-only');
  for (const mount of service.tmpfs ?? []) args.push('--tmpfs', mount);
  for (const capability of service.cap_drop ?? []) args.push('--cap-drop', capability);
  for (const option of service.security_opt ?? []) args.push('--security-opt', option);
  for (const file of service.env_file ?? []) {
    // The project's `.env` is the file the check wrote (never the repository's own .env).
    const path = file.path === '.env' ? composeEnvFile : resolve(projectDir, file.path);
    if (existsSync(path)) args.push('--env-file', path);
    else if (file.required !== false) throw new Error(`${name}: env_file ${file.path} is missing`);
  }
  // Both listeners (API and metrics) on the replica's own loopback address: in compose each has its own network.
  const environment = { ...service.environment, ...(hostAddress ? { HOST: hostAddress, METRICS_HOST: hostAddress } : {}) };
  for (const [variable, value] of Object.entries(environment)) args.push('-e', `${variable}=${value ?? stackEnv[variable] ?? ''}`);
  for (const volume of service.volumes ?? []) {
    if (typeof volume === 'string') {
      const [source, target, mode] = volume.split(':');
      args.push('-v', `${source.startsWith('.') || isAbsolute(source) ? resolve(projectDir, source) : source}:${target}${mode ? `:${mode}` : ''}`);
    } else {
      const bind = volume as ComposeBindVolume;
      args.push('-v', `${resolve(projectDir, bind.source)}:${bind.target}${bind.read_only ? ':ro' : ''}`);
    }
  }
  const health = service.healthcheck;
  if (health?.test) args.push('--health-cmd', health.test.slice(1).map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' '));
  if (health?.interval) args.push('--health-interval', health.interval);
  if (health?.timeout) args.push('--health-timeout', health.timeout);
  if (health?.start_period) args.push('--health-start-period', health.start_period);
  if (health?.retries) args.push('--health-retries', String(health.retries));
  if (service.stop_signal) args.push('--stop-signal', service.stop_signal);
  if (service.stop_grace_period) args.push('--stop-timeout', String(composeSeconds(service.stop_grace_period, 10)));
  const memory = service.deploy?.resources?.limits?.memory;
  if (memory) args.push('--memory', memory);
  args.push(service.image!, ...(service.command ?? []));
  return args;
}

async function waitHealthy(container: string, limitSeconds: number): Promise<string> {
  const deadline = Date.now() + limitSeconds * 1000;
  let status = '';
  while (Date.now() < deadline) {
    status = docker(['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}', container]);
    if (status === 'healthy' || status === 'exited' || status === 'unhealthy') return status;
    await new Promise((done) => setTimeout(done, 1000));
  }
  return status;
}

/** N chat completions through nginx from inside the namespace; returns the replicas nginx used. */
function burst(key: string, count: number, label: string): Map<string, number> {
  const since = docker(['logs', `${prefix}-nginx`], 30).split('\n').length;
  const client = spawnSync(DOCKER, ['run', '--rm', '--network', `container:${prefix}-pod`, '--read-only', '--cap-drop', 'ALL', '-v', `${join(projectDir, 'test/container')}:/check:ro`, 'geminicli2api:local',
    'node', '/check/http-check.mjs', 'burst', NGINX_URL, key, String(count)], { encoding: 'utf8', timeout: 120_000 });
  report(`${label}: ${count} chat completions through nginx all 200`, client.status === 0, client.status === 0 ? '' : `${client.stderr}`.split('\n').filter((line) => !line.startsWith('WARNING')).join(' ').trim().slice(0, 300));
  const used = new Map<string, number>();
  const logLines = spawnSync(DOCKER, ['logs', `${prefix}-nginx`], { encoding: 'utf8', timeout: 30_000 }).stdout.split('\n').slice(since);
  for (const line of logLines) {
    if (!line.includes('"path":"/v1/chat/completions"')) continue;
    // "a, b" when nginx moved on from a replica that refused the connection: b served it.
    const upstream = (/"upstream_addr":"([^"]*)"/.exec(line)?.[1] ?? '?').split(',').pop()!.trim();
    used.set(upstream, (used.get(upstream) ?? 0) + 1);
  }
  return used;
}

async function main(): Promise<void> {
  const stackEnv = parseDotenv(readFileSync(envFile));
  const composeFile = join(projectDir, 'docker-compose.yml');
  const compose = loadComposeFile(composeFile, stackEnv);
  const waves = startWaves(compose);
  const order = waves.flat();
  const gateways = order.filter((name) => compose.services[name].build);
  const address = (name: string): string => (gateways.includes(name) ? `127.0.0.${11 + gateways.indexOf(name)}` : '127.0.0.1');
  writeFileSync(join(workDir, 'hosts'), ['127.0.0.1 localhost', ...order.map((name) => `${address(name)} ${name}`)].join('\n') + '\n');

  docker(['run', '-d', '--name', `${prefix}-pod`, '--network', 'none', '--read-only', '-v', `${join(workDir, 'hosts')}:/etc/hosts:ro`, 'node:20-bookworm-slim', 'sleep', 'infinity']);
  docker(['run', '-d', '--name', `${prefix}-emulator`, '--network', `container:${prefix}-pod`, '--read-only', '--cap-drop', 'ALL', '-e', `EMULATOR_PORT=${EMULATOR_PORT}`,
    // The emulator's folder and its siblings (it imports test/support helpers such as the cleanup registry).
    '-v', `${join(projectDir, 'dist/test/support')}:/support:ro`, 'geminicli2api:local', 'node', '/support/emulator/main.js']);
  const composeEnvFile = join(workDir, 'compose.env');
  writeFileSync(composeEnvFile, `${readFileSync(envFile, 'utf8')}\nCODE_ASSIST_ENDPOINT=http://127.0.0.1:${EMULATOR_PORT}\nGOOGLE_OAUTH_TOKEN_URL=http://127.0.0.1:${EMULATOR_PORT}/token\n`);

  const started = Date.now();
  const healthyAt: string[] = [];
  for (const wave of waves) {
    // A wave starts once everything it depends on is healthy (compose's service_healthy), and
    // its services start together, as compose starts them.
    for (const name of wave) docker(runArguments(name, compose.services[name], gateways.includes(name) ? address(name) : undefined, composeEnvFile, stackEnv));
    const statuses = await Promise.all(wave.filter((name) => compose.services[name].healthcheck).map(async (name) => {
      const health = compose.services[name].healthcheck!;
      const limit = composeSeconds(health.start_period, 0) + composeSeconds(health.interval, 30) * ((health.retries ?? 3) + 1) + 15;
      return { name, status: await waitHealthy(`${prefix}-${name}`, limit), seconds: ((Date.now() - started) / 1000).toFixed(0) };
    }));
    for (const { name, status, seconds } of statuses) {
      if (status === 'healthy') {
        healthyAt.push(`${name} ${seconds}s`);
        continue;
      }
      report(`${name} healthy`, false, `${status}; ${spawnSync(DOCKER, ['logs', '--tail', '5', `${prefix}-${name}`], { encoding: 'utf8' }).stderr.trim().slice(0, 400)}`);
      return;
    }
  }
  report('compose stack healthy in depends_on order', true, healthyAt.join(', '));

  const key = stackEnv.GEMINI_AUTH_PASSWORD;
  const spread = burst(key, 12, 'three replicas');
  report('requests spread over the three replicas', gateways.every((name) => spread.has(`${address(name)}:8888`)), [...spread].map(([upstream, count]) => `${upstream}×${count}`).join(' '));

  const stopped = gateways[1];
  docker(['stop', `${prefix}-${stopped}`], 90);
  report(`${stopped} stopped (SIGTERM) with exit code 0`, docker(['inspect', '-f', '{{.State.ExitCode}}', `${prefix}-${stopped}`]) === '0');
  const afterStop = burst(key, 9, `${stopped} stopped`);
  report(`served by the other replicas while ${stopped} is down`, !afterStop.has(`${address(stopped)}:8888`) && afterStop.size >= 1, [...afterStop].map(([upstream, count]) => `${upstream}×${count}`).join(' '));
}

main()
  .catch((error: unknown) => report('compose stack', false, error instanceof Error ? error.message.slice(0, 400) : String(error)))
  .finally(() => process.exit(failed ? 1 : 0));
