import { createHash } from 'node:crypto';
import { KeysFileError, globMatcher, parseKeysFile } from './keys-file';

describe('parseKeysFile', () => {
  it('reads YAML with every policy field, and keySha256 instead of the key', () => {
    const digest = createHash('sha256').update('sk-bob-secret').digest('hex');
    const keys = parseKeysFile(`
keys:
  - name: alice
    key: sk-alice-secret
    models: ["gemini-2.5-flash*"]
    requestsPerMinute: 60
    tokensPerDay: 2000000
    maxConcurrent: 4
    expiresAt: "2027-01-01T00:00:00Z"
  - name: bob
    keySha256: ${digest}
`);
    expect(keys.map((key) => key.name)).toEqual(['alice', 'bob']);
    expect(keys[0].policy).toEqual({ models: ['gemini-2.5-flash*'], requestsPerMinute: 60, tokensPerDay: 2_000_000, maxConcurrent: 4, expiresAt: Date.parse('2027-01-01T00:00:00Z') });
    expect(keys[0].digest).toEqual(createHash('sha256').update('sk-alice-secret').digest());
    expect(keys[1].digest.toString('hex')).toBe(digest);
    expect(keys[1].policy).toEqual({});
  });

  it('reads the same file as JSON', () => {
    expect(parseKeysFile('{"keys":[{"name":"carol","key":"sk-carol-secret","requestsPerMinute":5}]}')[0].policy).toEqual({ requestsPerMinute: 5 });
  });

  it.each([
    ['keys:\n  - name: a\n    key: sk-secret-aaaa\n  - name: a\n    key: sk-secret-bbbb\n', /appears twice/],
    ['keys:\n  - name: a\n', /exactly one of key or keySha256/],
    ['keys:\n  - name: a\n    key: sk-secret-aaaa\n    keySha256: ' + 'a'.repeat(64) + '\n', /exactly one of key or keySha256/],
    ['keys:\n  - name: a\n    key: sk-secret-aaaa\n    requestsPerMinute: -1\n', /keys\.0\.requestsPerMinute/],
    ['keys:\n  - name: a\n    key: sk-secret-aaaa\n    expiresAt: tomorrow\n', /expiresAt: not a date/],
    ['keys:\n  - name: a\n    key: sk-secret-aaaa\n    rpm: 3\n', /Unrecognized key/],
    ['keys: [\n  - name: a\n    key: sk-secret-aaaa', /not valid YAML or JSON/],
  ])('rejects a bad file with the place of the problem, never its text (%#)', (text, problem) => {
    let error: unknown;
    try {
      parseKeysFile(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KeysFileError);
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).message).not.toContain('sk-secret');
  });
});

describe('globMatcher', () => {
  it.each([
    [['gemini-2.5-flash*'], 'gemini-2.5-flash', true],
    [['gemini-2.5-flash*'], 'gemini-2.5-flash-lite', true],
    [['gemini-2.5-flash*'], 'gemini-2.5-pro', false],
    [['claude-*', 'gemini-?.5-pro'], 'gemini-2.5-pro', true],
    [['gemini-2.5-pro'], 'gemini-2x5-pro', false],
  ])('%j matches %s: %s', (patterns, name, expected) => {
    expect(globMatcher(patterns)(name)).toBe(expected);
  });
});
