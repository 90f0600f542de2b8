import { ConfigError, loadConfig } from './load-config';

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig({ GEMINI_AUTH_PASSWORD: 'pw' });
    expect(config.http).toEqual({ port: 8888, host: '0.0.0.0', maxBodyBytes: 25 * 1024 * 1024, headersTimeoutMs: 15_000, bodyTimeoutMs: 30_000, bodyBudgetBytes: 0 });
    expect(config.requestLimits).toEqual({ maxJsonDepth: 100, maxJsonNodes: 200_000, maxMessages: 10_000, maxParts: 20_000 });
    expect(config.images).toMatchObject({ fetchEnabled: false, maxPerRequest: 8, maxTotalBytes: 20 * 1024 * 1024, allowHosts: [] });
    expect(config.sharedStateEncryptionKey).toBeUndefined();
    expect(config.google.codeAssistEndpoint).toBe('https://cloudcode-pa.googleapis.com');
    expect(config.google.codeAssistApiVersion).toBe('v1internal');
    expect(config.google.oauthTokenUrl).toBe('https://oauth2.googleapis.com/token');
    expect(config.clientAuth).toEqual({ keys: [{ name: 'default', key: 'pw' }], generated: false });
  });

  it('generates a random client key when none is configured (no default password)', () => {
    const first = loadConfig({});
    const second = loadConfig({});
    expect(first.clientAuth.generated).toBe(true);
    expect(first.clientAuth.keys[0].name).toBe('default');
    expect(first.clientAuth.keys[0].key).not.toBe('123456');
    expect(first.clientAuth.keys[0].key).not.toBe(second.clientAuth.keys[0].key);
    expect(first.clientAuth.keys[0].key.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses to generate a client key for several replicas (REDIS_URL set), naming the setting', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/0' })).toThrow(/GEMINI_AUTH_PASSWORD: set it \(or GATEWAY_API_KEYS\) when REDIS_URL is set/);
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/0', GEMINI_AUTH_PASSWORD: ' ' })).toThrow(ConfigError);
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/0', GEMINI_AUTH_PASSWORD: 'pw' }).clientAuth.generated).toBe(false);
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/0', GATEWAY_API_KEYS: 'ci:sk-ci' }).clientAuth.generated).toBe(false);
  });

  it('parses named keys next to the legacy password', () => {
    const config = loadConfig({ GEMINI_AUTH_PASSWORD: 'legacy', GATEWAY_API_KEYS: 'alice:sk-a, bob:sk-b:with-colon' });
    expect(config.clientAuth.keys).toEqual([
      { name: 'default', key: 'legacy' },
      { name: 'alice', key: 'sk-a' },
      { name: 'bob', key: 'sk-b:with-colon' },
    ]);
  });

  it('treats empty strings as unset (docker-compose passes VAR=)', () => {
    const config = loadConfig({ PORT: '', GEMINI_AUTH_PASSWORD: 'pw', GOOGLE_APPLICATION_CREDENTIALS: '' });
    expect(config.http.port).toBe(8888);
    expect(config.google.credentialsFile).toBeUndefined();
  });

  it('lists every problem at once', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', CODE_ASSIST_ENDPOINT: 'not a url', GATEWAY_API_KEYS: 'nokey,ok:1,ok:2', GOOGLE_CLOUD_PROJECT: '123456789' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    for (const fragment of ['PORT', 'LOG_LEVEL', 'CODE_ASSIST_ENDPOINT', 'entry 1 must be name:key', '"ok" is used twice', 'project number']) {
      expect(problems).toContain(fragment);
    }
  });

  it('strips a trailing slash from the endpoint and reads GOOGLE_CLOUD_PROJECT_ID as a fallback', () => {
    const config = loadConfig({ GEMINI_AUTH_PASSWORD: 'pw', CODE_ASSIST_ENDPOINT: 'http://127.0.0.1:9/', GOOGLE_CLOUD_PROJECT_ID: 'my-proj' });
    expect(config.google.codeAssistEndpoint).toBe('http://127.0.0.1:9');
    expect(config.google.project).toBe('my-proj');
  });

  it('takes a 32-byte SHARED_STATE_ENCRYPTION_KEY as hex or base64 and refuses anything else', () => {
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ GEMINI_AUTH_PASSWORD: 'pw', SHARED_STATE_ENCRYPTION_KEY: hex }).sharedStateEncryptionKey).toEqual(Buffer.from(hex, 'hex'));
    const base64 = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ GEMINI_AUTH_PASSWORD: 'pw', SHARED_STATE_ENCRYPTION_KEY: base64 }).sharedStateEncryptionKey).toEqual(Buffer.alloc(32, 7));
    expect(() => loadConfig({ GEMINI_AUTH_PASSWORD: 'pw', SHARED_STATE_ENCRYPTION_KEY: 'too-short' })).toThrow(/SHARED_STATE_ENCRYPTION_KEY/);
  });

  it('lower-cases IMAGE_FETCH_ALLOW_HOSTS entries', () => {
    expect(loadConfig({ GEMINI_AUTH_PASSWORD: 'pw', IMAGE_FETCH_ALLOW_HOSTS: ' 127.0.0.1, Images.Test ' }).images.allowHosts).toEqual(['127.0.0.1', 'images.test']);
  });

  it('carries what the CLI and the entry points used to read from process.env', () => {
    const defaults = loadConfig({ GEMINI_AUTH_PASSWORD: 'pw' });
    expect(defaults.google.oauthAuthUrl).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(defaults.google.geminiHome).toBeUndefined();
    expect(defaults.version).toBe('0.1.0');
    const set = loadConfig({ GEMINI_AUTH_PASSWORD: 'pw', GOOGLE_OAUTH_AUTH_URL: 'http://127.0.0.1:9/auth', GEMINI_CLI_HOME: ' /home/gemini ', GEMINI_CREDENTIALS_DIR: '/secrets', npm_package_version: '1.2.3' });
    expect(set.google).toMatchObject({ oauthAuthUrl: 'http://127.0.0.1:9/auth', geminiHome: '/home/gemini', credentialsDir: '/secrets' });
    expect(set.version).toBe('1.2.3');
    expect(() => loadConfig({ GOOGLE_OAUTH_AUTH_URL: 'not a url' })).toThrow(/GOOGLE_OAUTH_AUTH_URL/);
  });

  it.each<[string, string]>([
    ['claude-*', 'is not a pattern=target rule'],
    ['claude-*=gpt-5', 'is not a model of the catalog'],
  ])('refuses MODEL_ALIASES=%j at start', (setting, fragment) => {
    expect(() => loadConfig({ GEMINI_AUTH_PASSWORD: 'pw', MODEL_ALIASES: setting })).toThrow(fragment);
  });

  it('accepts MODEL_ALIASES whose targets are EXTRA_MODELS', () => {
    const config = loadConfig({ GEMINI_AUTH_PASSWORD: 'pw', EXTRA_MODELS: 'gemini-9-ultra', MODEL_ALIASES: 'claude-*=gemini-9-ultra' });
    expect(config.models).toEqual({ extra: ['gemini-9-ultra'], aliases: 'claude-*=gemini-9-ultra' });
  });
});
