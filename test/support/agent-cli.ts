import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Real agent CLIs (hundreds of MB) for e2e tests: installed on demand into a cache outside the
 * repository (`$XDG_CACHE_HOME/geminicli2api-e2e/<name>-<version>`, an exact version), never as
 * devDependencies, and run headless with a hard timeout that kills the whole process group.
 */

export function agentCacheDir(name: string, version: string): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'geminicli2api-e2e', `${name}-${version}`);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Every child still running; killAgentProcesses() stops them (register it in afterAll/afterEach). */
const running = new Set<ChildProcess>();

export function killAgentProcesses(): void {
  for (const child of running) killGroup(child);
  running.clear();
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Runs a command in its own process group; at `timeoutMs` the group is killed and the result says so. */
export function runBounded(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number; stdin?: string }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, options.timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.on('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    child.stdin?.end(options.stdin ?? '');
  });
}

/**
 * Installs `<pkg>@<version>` into its cache directory unless it is there already; returns the
 * directory. Uses the npm registry configured for this machine (CI has one).
 */
export async function ensureAgentInstalled(name: string, pkg: string, version: string, timeoutMs: number): Promise<string> {
  const dir = agentCacheDir(name, version);
  const marker = join(dir, 'node_modules', ...pkg.split('/'), 'package.json');
  if (existsSync(marker)) return dir;
  mkdirSync(dir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = await runBounded(npm, ['install', '--prefix', dir, `${pkg}@${version}`, '--no-audit', '--no-fund', '--no-save'], { env: process.env, cwd: dir, timeoutMs });
  if (result.code !== 0 || !existsSync(marker)) {
    throw new Error(`could not install ${pkg}@${version} into ${dir} (exit ${result.code}${result.timedOut ? ', timed out' : ''}):\n${result.stderr.slice(-2000)}`);
  }
  return dir;
}
