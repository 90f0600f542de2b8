import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installAgentCli, killRunningProcesses, runProcess, type ProcessResult } from '../../support/agent-cli';
import { repositoryRoot } from '../../support/ports';

/** The Codex CLI release the e2e pins (its npm package ships the native binary). */
export const CODEX_VERSION = '0.171.0';

/** Installs `@openai/codex@CODEX_VERSION` on demand into the shared agent cache; returns the `codex` launcher. */
export function ensureCodex(timeoutMs: number): Promise<string> {
  return installAgentCli({ pkg: '@openai/codex', version: CODEX_VERSION, name: 'codex', bin: 'codex', timeoutMs });
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

export type CodexRun = ProcessResult;

/** Kills every Codex process group still running (afterAll / failed hooks). */
export const killCodexProcesses = killRunningProcesses;

/**
 * `codex exec` headless in its own process group (the shared agent runner), with a temporary
 * HOME/CODEX_HOME and only the environment given here (no developer settings, no proxies).
 */
export function runCodex(options: { bin: string; args: string[]; cwd: string; home: string; env: Record<string, string>; timeoutMs: number }): Promise<CodexRun> {
  return runProcess(options.bin, options.args, {
    cwd: options.cwd,
    timeoutMs: options.timeoutMs,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: options.home,
      CODEX_HOME: join(options.home, '.codex'),
      XDG_CONFIG_HOME: join(options.home, '.config'),
      NO_COLOR: '1',
      ...options.env,
    },
  });
}
