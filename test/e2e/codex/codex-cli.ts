import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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

/**
 * The config.toml the README documents: a custom provider speaking the Responses API to the
 * gateway, and a model catalog so Codex knows the Gemini model (else it falls back to generic
 * metadata and offers `apply_patch` only through the shell).
 */
export function codexConfig(gatewayUrl: string, model: string, catalogPath: string): string {
  return [
    `model = "${model}"`,
    'model_provider = "geminicli2api"',
    `model_catalog_json = "${catalogPath}"`,
    'model_reasoning_summary = "auto"',
    'approval_policy = "never"',
    'sandbox_mode = "workspace-write"',
    'check_for_update_on_startup = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[model_providers.geminicli2api]',
    'name = "geminicli2api"',
    `base_url = "${gatewayUrl}/v1"`,
    'env_key = "GEMINICLI2API_KEY"',
    'wire_api = "responses"',
    'request_max_retries = 1',
    'stream_max_retries = 1',
    '',
  ].join('\n');
}

/** The model catalog (`model_catalog_json`) entry the README documents, for one Gemini model. */
export function codexModelCatalog(model: string, displayName: string): string {
  return JSON.stringify({
    models: [{
      slug: model,
      display_name: displayName,
      description: 'Gemini through geminicli2api',
      base_instructions: 'You are Codex, a coding agent working in the user\'s workspace. Edit files with the apply_patch tool.',
      apply_patch_tool_type: 'freeform',
      shell_type: 'shell_command',
      visibility: 'list',
      supported_in_api: true,
      priority: 1,
      context_window: 1_000_000,
      truncation_policy: { mode: 'tokens', limit: 10_000 },
      input_modalities: ['text', 'image'],
      supports_parallel_tool_calls: true,
      support_verbosity: false,
      default_reasoning_level: 'medium',
      supported_reasoning_levels: [
        { effort: 'low', description: 'Fast responses with lighter reasoning' },
        { effort: 'medium', description: 'Balanced' },
        { effort: 'high', description: 'Deeper reasoning' },
      ],
      supports_reasoning_summaries: true,
      default_reasoning_summary: 'auto',
      experimental_supported_tools: [],
    }],
  }, null, 2);
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
