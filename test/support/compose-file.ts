import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/**
 * docker-compose.yml as compose reads it: variables interpolated, YAML anchors merged. Shared by
 * the Compose schema test and test/support/compose-stack.ts (which runs the file with plain
 * `docker run`, since Compose v2 is not packaged for Debian).
 */
export interface ComposeBindVolume {
  type: string;
  source: string;
  target: string;
  read_only?: boolean;
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  init?: boolean;
  user?: string;
  group_add?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  command?: string[];
  environment?: Record<string, string>;
  env_file?: Array<{ path: string; required?: boolean }>;
  volumes?: Array<string | ComposeBindVolume>;
  expose?: string[];
  ports?: string[];
  healthcheck?: { test?: string[]; interval?: string; timeout?: string; start_period?: string; retries?: number };
  depends_on?: Record<string, { condition?: string; restart?: boolean }> | string[];
  stop_signal?: string;
  stop_grace_period?: string;
  deploy?: { resources?: { limits?: { memory?: string } } };
  profiles?: string[];
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  [key: string]: unknown;
}

/** Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}, $$. */
export function interpolateCompose(text: string, env: Record<string, string | undefined>): string {
  const pattern = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}/g;
  return text.replace(pattern, (match, name: string | undefined, colon: string, operator: string, argument: string) => {
    if (match === '$$') return '$';
    const value = env[name!];
    const unset = colon ? !value : value === undefined;
    if (operator === '-') return unset ? argument : value!;
    if (operator === '?') {
      if (unset) throw new Error(`required variable ${name} is missing a value: ${argument}`);
      return value!;
    }
    if (operator === '+') return unset ? '' : argument;
    return value ?? '';
  });
}

export function loadComposeFile(path: string, env: Record<string, string | undefined>): ComposeFile {
  return parseYaml(interpolateCompose(readFileSync(path, 'utf8'), env), { merge: true }) as ComposeFile;
}

/** Seconds of a compose duration such as 45s, 1m30s or 500ms. */
export function composeSeconds(duration: string | undefined, fallback: number): number {
  if (!duration) return fallback;
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Number(amount) * { ms: 0.001, h: 3600, m: 60, s: 1 }[unit as 'ms' | 'h' | 'm' | 's'];
  return total;
}
