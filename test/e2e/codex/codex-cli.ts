import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '../../support/ports';

/** The Codex CLI release the e2e pins (its npm package ships the native binary). */
export const CODEX_VERSION = '0.171.0';

/** Where the CLI is installed on demand: a cache outside the repository, never a devDependency. */
export function codexInstallDir(): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'geminicli2api-e2e', `codex-${CODEX_VERSION}`);
}

/** Installs `@openai/codex@CODEX_VERSION` into the cache unless it is there; returns the `codex` launcher. */
export function ensureCodex(timeoutMs: number): string {
  const dir = codexInstallDir();
  const bin = join(dir, 'node_modules', '.bin', 'codex');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const result = spawnSync('npm', ['install', '--prefix', dir, `@openai/codex@${CODEX_VERSION}`, '--no-audit', '--no-fund', '--loglevel=error'], {
    stdio: 'pipe', timeout: timeoutMs, encoding: 'utf8',
  });
  if (result.status !== 0 || !existsSync(bin)) throw new Error(`installing @openai/codex@${CODEX_VERSION} failed: ${result.stderr || result.error?.message}`);
  return bin;
}

/** The fenced block that follows `<!-- marker… -->` in the README: the documented file, verbatim. */
function readmeBlock(marker: string): string {
  const readme = readFileSync(join(repositoryRoot(), 'README.md'), 'utf8');
  const start = readme.indexOf(`<!-- ${marker}`);
  if (start < 0) throw new Error(`README.md has no <!-- ${marker} --> block`);
  const fence = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!fence) throw new Error(`README.md: no fenced block after <!-- ${marker} -->`);
  return fence[1];
}

/** The README's config.toml, with only `base_url` pointed at the gateway under test. */
export function codexConfig(gatewayUrl: string): string {
  const documented = readmeBlock('codex-config.toml');
  const config = documented.replace(/^base_url = ".*"$/m, `base_url = "${gatewayUrl}/v1"`);
  if (config === documented) throw new Error('README config.toml has no base_url line');
  return config;
}

/** The README's model catalog (`gemini-models.json`), verbatim. */
export function codexModelCatalog(): string {
  return readmeBlock('codex-gemini-models.json');
}

/** The model the README's config.toml selects. */
export function codexModel(): string {
  const match = /^model = "(.+)"$/m.exec(readmeBlock('codex-config.toml'));
  if (!match) throw new Error('README config.toml has no model line');
  return match[1];
}

export interface CodexRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const running = new Set<ChildProcess>();

/** Kills every Codex process group this module started (afterAll / failed hooks). */
export function killCodexProcesses(): void {
  for (const child of running) killGroup(child);
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * `codex exec` headless in its own process group, with a temporary HOME/CODEX_HOME and only the
 * environment given here (no developer settings, no proxies); killed at the hard timeout.
 */
export function runCodex(options: { bin: string; args: string[]; cwd: string; home: string; env: Record<string, string>; timeoutMs: number }): Promise<CodexRun> {
  const child = spawn(options.bin, options.args, {
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: options.home,
      CODEX_HOME: join(options.home, '.codex'),
      XDG_CONFIG_HOME: join(options.home, '.config'),
      NO_COLOR: '1',
      ...options.env,
    },
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, options.timeoutMs);
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}
