/**
 * The SHIPPED nginx config (deploy/nginx/geminicli2api.conf.template) in front of gateway
 * replicas, via test/support/nginx.ts. That helper finds the template relative to its TypeScript
 * source (`../../deploy/...`), which points into dist/ once compiled, and the bench runs compiled;
 * in that case the same template is rendered here with the helper's own functions.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkNginxConfig, findNginxBinary, renderNginxTemplate, startNginx, topLevelNginxConf } from '../../test/support/nginx';
import { freePort } from '../../test/support/ports';
import { track } from './cleanup';

/** dist/bench/lib → the repository's deploy/nginx template. */
const TEMPLATE = resolve(__dirname, '../../../deploy/nginx/geminicli2api.conf.template');

export interface ShippedNginx {
  url: string;
  /** nginx's worker processes (their CPU is the proxy's cost). */
  workerPids(): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startShippedNginx(upstreams: string[]): Promise<ShippedNginx> {
  try {
    const handle = await startNginx({ upstreams });
    return { url: handle.url, workerPids: () => workerPidsOf(join(handle.directory, 'nginx.pid')), stop: () => handle.stop() };
  } catch (error) {
    if (!/ENOENT/.test((error as Error).message)) throw error;
  }
  const binary = findNginxBinary();
  const directory = await mkdtemp(join(tmpdir(), 'gcli2api-bench-shipped-nginx-'));
  await chmod(directory, 0o755);
  for (const temp of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    await mkdir(join(directory, temp), { recursive: true });
    await chmod(join(directory, temp), 0o777);
  }
  const port = await freePort();
  const template = await readFile(TEMPLATE, 'utf8');
  await writeFile(join(directory, 'geminicli2api.conf'), renderNginxTemplate(template, { listenPort: `127.0.0.1:${port}`, upstreams, accessLog: join(directory, 'access.log') }));
  const confPath = join(directory, 'nginx.conf');
  await writeFile(confPath, topLevelNginxConf(directory, binary));
  checkNginxConfig(directory, confPath);
  const errorLog = join(directory, 'error.log');
  const child = spawn(binary, ['-p', directory, '-c', confPath, '-e', errorLog], { stdio: 'ignore', detached: true });
  track(child, { group: true });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`shipped nginx did not start:\n${await readFile(errorLog, 'utf8').catch(() => '')}`);
    await new Promise((wake) => setTimeout(wake, 25));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    workerPids: () => workerPidsOf(join(directory, 'nginx.pid')),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function workerPidsOf(pidFile: string): Promise<number[]> {
  const master = Number((await readFile(pidFile, 'utf8').catch(() => '0')).trim());
  if (!master) return [];
  const children = await readFile(`/proc/${master}/task/${master}/children`, 'utf8').catch(() => '');
  return children.trim().split(/\s+/).filter(Boolean).map(Number);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveOpen(true);
    });
    socket.once('error', () => resolveOpen(false));
  });
}
