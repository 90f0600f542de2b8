import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseWithDotenv } from 'dotenv';

/**
 * .env.example is read by three parsers that disagree on quotes, inline comments and `$`:
 * `docker run --env-file` (keeps everything after `=` literally), docker compose (compose-go's
 * dotenv rules: strips quotes, cuts ` # comment`, expands `$VAR`) and `npm start` (the dotenv
 * package, which strips quotes and cuts `#...`). The file must mean the same to all three, also
 * once a user uncomments any `# NAME=value` example. test/container/check.sh compares the real
 * `docker run --env-file` with dotenv too; compose v2 is not available here, so its rules are
 * modelled below.
 */
const EXAMPLE = readFileSync(join(__dirname, '../../.env.example'), 'utf8');
const uncommented = (text: string): string => text.replace(/^# ?([A-Z][A-Z0-9_]*=)/gm, '$1');

/** docker/cli opts/envfile.go: `#` only at line start, the value is everything after the first `=`. */
function parseLikeDockerRun(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const separator = line.indexOf('=');
    if (separator <= 0 || /\s/.test(line.slice(0, separator))) throw new Error(`docker run --env-file rejects: ${line}`);
    result[line.slice(0, separator)] = line.slice(separator + 1);
  }
  return result;
}

/** compose-go's dotenv rules: quotes stripped, ` #` starts a comment, `$` interpolated, trimmed. */
function parseLikeCompose(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/^export\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const separator = line.indexOf('=');
    const name = line.slice(0, separator).trim();
    let value = line.slice(separator + 1).trim();
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2];
    else value = value.replace(/\s+#.*$/, '').trim();
    if (!quoted?.[1].startsWith("'") && value.includes('$')) value = value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, () => '');
    result[name] = value;
  }
  return result;
}

function parsedThreeWays(text: string): { dockerRun: Record<string, string>; compose: Record<string, string>; dotenv: Record<string, string> } {
  return { dockerRun: parseLikeDockerRun(text), compose: parseLikeCompose(text), dotenv: parseWithDotenv(text) };
}

describe('.env.example', () => {
  it.each([
    ['as shipped', EXAMPLE],
    ['with every example uncommented', uncommented(EXAMPLE)],
  ])('means the same to docker run --env-file, compose and dotenv (%s)', (_label, text) => {
    const { dockerRun, compose, dotenv } = parsedThreeWays(text);
    expect(Object.keys(dockerRun).length).toBeGreaterThan(0);
    expect(compose).toEqual(dockerRun);
    expect(dotenv).toEqual(dockerRun);
  });

  it('sets a client key and documents the JSON credential without quotes', () => {
    expect(parsedThreeWays(EXAMPLE).dockerRun.GEMINI_AUTH_PASSWORD).toBeTruthy();
    expect(() => JSON.parse(parsedThreeWays(uncommented(EXAMPLE)).dockerRun.GEMINI_CREDENTIALS)).not.toThrow();
  });

  it('tells the three apart where they do differ (quotes, inline comments, $)', () => {
    for (const line of [`GEMINI_CREDENTIALS='{"refresh_token":"x"}'`, 'LOG_LEVEL=info            # fatal|error', 'GEMINI_AUTH_PASSWORD=pa$word']) {
      const { dockerRun, compose } = parsedThreeWays(line);
      expect({ line, same: JSON.stringify(compose) === JSON.stringify(dockerRun) }).toEqual({ line, same: false });
    }
    expect(parseWithDotenv('LOG_LEVEL=info   # a comment')).not.toEqual(parseLikeDockerRun('LOG_LEVEL=info   # a comment'));
  });
});
