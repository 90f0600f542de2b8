import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repositoryRoot, waitForHttp } from './ports';
import { TEST_CLIENT_KEY } from './gateway-harness';
import { registerCleanup, trackChild } from './cleanup';

const ENTRY = join(repositoryRoot(), 'dist/apps/gateway/src/main.js');

export interface GatewayProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** stdout and stderr lines, in arrival order. */
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs the built gateway (`npm run build` output) as its own process, as production does, for the
 * tests that need a real process: signals, several replicas, process-wide settings such as
 * NODE_EXTRA_CA_CERTS. The environment is exactly `env` plus PATH and a throwaway HOME.
 */
export async function spawnGateway(env: Record<string, string>, options: { waitForReady?: boolean; nodeArgs?: string[] } = {}): Promise<GatewayProcess> {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` first (npm test does).`);
  const port = Number(env.PORT ?? (await freePort()));
  const home = mkdtempSync(join(tmpdir(), 'gcli2api-home-'));
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ENTRY], {
    cwd: home,
    env: { PATH: process.env.PATH ?? '', HOME: home, HOST: '127.0.0.1', GEMINI_AUTH_PASSWORD: TEST_CLIENT_KEY, LOG_LEVEL: 'info', METRICS_PORT: '0', DRAIN_DELAY_MS: '0', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  registerCleanup(() => rmSync(home, { recursive: true, force: true }));
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      output.push(...lines.filter(Boolean));
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitForHttp(`${url}/health/live`, { status: 200 }),
      exited.then(({ code }) => { throw new Error(`gateway exited early with code ${code}:\n${output.join('\n')}`); }),
    ]);
    if (options.waitForReady) await waitForHttp(`${url}/health/ready`, { status: 200 });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    port,
    child,
    output,
    exited,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
