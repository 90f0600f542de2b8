/**
 * The gateway settings the standalone emulator prints (ready to paste: `export KEY='value'`) and,
 * on request, writes to a file. The same text is valid for bash (`. ./.env`) and for dotenv,
 * which the gateway reads from its working directory.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** First line of a file the emulator wrote; only such a file is overwritten. */
export const ENV_FILE_MARKER = '# Written by the geminicli2api Google emulator (npm run emulator).';

/** `export KEY='value'` lines; values are single-quoted (none may contain a single quote). */
export function renderExports(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).map(([key, value]) => {
    if (value.includes("'")) throw new Error(`${key}: a value with a single quote cannot be written as an export line`);
    return `export ${key}='${value}'`;
  });
}

/**
 * Writes the settings to `path` (mode 0600: it holds a client key and a refresh token). Refuses
 * to replace a file it did not write, so a real `.env` is never lost.
 */
export function writeEnvFile(path: string, env: Readonly<Record<string, string>>): void {
  if (existsSync(path) && !readFileSync(path, 'utf8').startsWith(ENV_FILE_MARKER)) {
    throw new Error(`${path} exists and was not written by the emulator; move it away or choose another --write-env`);
  }
  writeFileSync(path, `${[ENV_FILE_MARKER, ...renderExports(env)].join('\n')}\n`, { mode: 0o600 });
}

/** `--write-env <path>` or `--write-env=<path>` from the command line, if given. */
export function writeEnvArgument(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === '--write-env') {
      const path = argv[index + 1];
      if (!path || path.startsWith('--')) throw new Error('--write-env needs a path, e.g. --write-env .env');
      return path;
    }
    if (argument.startsWith('--write-env=')) return argument.slice('--write-env='.length);
  }
  return undefined;
}
