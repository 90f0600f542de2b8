/**
 * Real agent CLIs for e2e tests: installed on demand (never a devDependency) into a cache outside
 * the repository, pinned to an exact version, and run headless with a throwaway HOME and TMPDIR,
 * a minimal environment and a hard timeout that kills the whole process group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `${XDG_CACHE_HOME:-~/.cache}/geminicli2api-e2e/<name>-<version>`. */
export function agentCliDir(name: string, version: string): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'geminicli2api-e2e', `${name}-${version}`);
}

/** Installs `pkg@version` into the cache unless its bin is already there; returns the bin path. */
export async function installAgentCli(options: { pkg: string; version: string; name: string; bin: string; timeoutMs: number }): Promise<string> {
  const dir = agentCliDir(options.name, options.version);
  const bin = join(dir, 'node_modules', '.bin', options.bin);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const result = await runProcess('npm', ['install', '--prefix', dir, `${options.pkg}@${options.version}`, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? homedir(), ...npmSettings() }, timeoutMs: options.timeoutMs,
  });
  if (result.code !== 0 || !existsSync(bin)) throw new Error(`installing ${options.pkg}@${options.version} failed (exit ${result.code}):\n${result.stderr.slice(-4000)}`);
  return bin;
}

/** npm settings a CI machine may need (registry, proxy, cache), passed through as they are. */
function npmSettings(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] =>
    entry[1] !== undefined && /^(npm_config_(registry|cache|proxy|https_proxy|userconfig)|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy)$/i.test(entry[0])));
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const running = new Set<ChildProcess>();

/** Kills every process group still running (call from afterAll; the runner also does it on timeout). */
export function killRunningProcesses(): void {
  for (const child of running) killGroup(child);
}

/** SIGKILL to the child's process group (its id is the child's pid; it lives while any member does). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

/**
 * Runs a command in its own process group with exactly `env`, stdin closed, and kills the group
 * after `timeoutMs`. Never rejects for a non-zero exit: the caller asserts on the result.
 */
export function runProcess(command: string, args: readonly string[], options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<ProcessResult> {
  return new Promise((resolveResult, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      killGroup(child); // leftovers of the group (a CLI may leave helpers behind)
      resolveResult({ code, signal, stdout, stderr, timedOut });
    });
  });
}

export interface BackgroundProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved in arrival order. */
  output(): string;
  /** Kills the process group and waits for the child to be gone. */
  stop(): Promise<void>;
}

/** Starts a long-running command in its own process group (stopped by stop() or killRunningProcesses()). */
export function startBackground(command: string, args: readonly string[], options: { cwd: string; env: Record<string, string> }): BackgroundProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  const closed = new Promise<void>((resolveClosed) => child.once('close', () => {
    running.delete(child);
    resolveClosed();
  }));
  child.once('error', () => undefined);
  return {
    child,
    output: () => output,
    stop: async () => {
      killGroup(child);
      await closed;
    },
  };
}
