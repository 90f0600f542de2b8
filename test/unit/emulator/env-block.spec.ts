import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { ENV_FILE_MARKER, renderExports, writeEnvArgument, writeEnvFile } from '../../support/emulator/env-block';

describe('emulator: the gateway settings block', () => {
  const env = { CODE_ASSIST_ENDPOINT: 'http://127.0.0.1:8090', GEMINI_CREDENTIALS: '{"type":"authorized_user","refresh_token":"rt"}', GEMINI_AUTH_PASSWORD: 'dev-key' };
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'gcli2api-envblock-'));
  });

  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('prints export lines that dotenv reads back unchanged', () => {
    const lines = renderExports(env);
    expect(lines.every((line) => line.startsWith('export '))).toBe(true);
    expect(parse(lines.join('\n'))).toEqual(env);
    expect(() => renderExports({ X: "it's" })).toThrow(/single quote/);
  });

  it('writes a 0600 file, rewrites its own, and never replaces a file it did not write', () => {
    const path = join(folder, '.env');
    writeEnvFile(path, env);
    expect(readFileSync(path, 'utf8').startsWith(`${ENV_FILE_MARKER}\n`)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    writeEnvFile(path, { ...env, GEMINI_AUTH_PASSWORD: 'other' });
    expect(parse(readFileSync(path)).GEMINI_AUTH_PASSWORD).toBe('other');
    const mine = join(folder, 'mine.env');
    writeFileSync(mine, 'PORT=9000\n');
    expect(() => writeEnvFile(mine, env)).toThrow(/not written by the emulator/);
    expect(readFileSync(mine, 'utf8')).toBe('PORT=9000\n');
  });

  it('reads --write-env from the command line', () => {
    expect(writeEnvArgument(['--write-env', '.env'])).toBe('.env');
    expect(writeEnvArgument(['--write-env=a/b.env'])).toBe('a/b.env');
    expect(writeEnvArgument([])).toBeUndefined();
    expect(() => writeEnvArgument(['--write-env'])).toThrow(/needs a path/);
  });
});
