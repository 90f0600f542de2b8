import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse as parseDotenv } from 'dotenv';
import { loadComposeFile } from '../../support/compose-file';
import { REPO_ROOT } from './helpers/helm';

/**
 * Docker Compose v2 is not packaged for Debian and no registry is reachable, so `docker compose
 * config` cannot run here. Instead docker-compose.yml is interpolated the way compose does it (with
 * the variables of .env.example, test/support/compose-file.ts) and validated against the Compose Specification's JSON schema
 * (test/fixtures/compose-spec, Apache-2.0, from github.com/compose-spec/compose-spec). The image
 * itself is built and run for real by test/container/check.sh.
 */
const SCHEMA = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/compose-spec/compose-spec.json'), 'utf8')) as Record<string, unknown>;
const EXAMPLE_ENV = parseDotenv(readFileSync(join(REPO_ROOT, '.env.example')));

function validate(document: unknown): string[] {
  const { $schema: _drafted, ...schema } = SCHEMA;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const valid = ajv.validate(schema, document);
  return valid ? [] : (ajv.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

const loadCompose = (env: Record<string, string | undefined>): Record<string, unknown> => loadComposeFile(join(REPO_ROOT, 'docker-compose.yml'), env);

describe('docker-compose.yml against the Compose Specification schema', () => {
  it('is valid once interpolated with .env.example', () => {
    expect(validate(loadCompose(EXAMPLE_ENV))).toEqual([]);
  });

  it('is valid with the monitoring settings and a credential file too', () => {
    expect(validate(loadCompose({ ...EXAMPLE_ENV, GOOGLE_APPLICATION_CREDENTIALS: './oauth_creds.json', GOOGLE_CREDENTIALS_GID: '1000', GRAFANA_ADMIN_PASSWORD: 'x' }))).toEqual([]);
  });

  it('the schema rejects what compose rejects (a broken copy fails)', () => {
    const broken = loadCompose(EXAMPLE_ENV) as { services: Record<string, Record<string, unknown>> };
    broken.services['gateway-1'].cap_drop = 'ALL';
    broken.services['gateway-1'].stop_grace_period = 45;
    broken.services.nginx.unknown_key = true;
    const errors = validate(broken).join('\n');
    for (const fragment of ['/services/gateway-1/cap_drop must be array', '/services/gateway-1/stop_grace_period must be string', '/services/nginx must NOT have additional properties']) expect(errors).toContain(fragment);
  });

  it('refuses to start without GEMINI_AUTH_PASSWORD, and gives every replica the same one', () => {
    const { GEMINI_AUTH_PASSWORD: _password, ...withoutPassword } = EXAMPLE_ENV;
    expect(() => loadCompose(withoutPassword)).toThrow(/GEMINI_AUTH_PASSWORD.*set GEMINI_AUTH_PASSWORD in \.env/);
    expect(() => loadCompose({ ...withoutPassword, GEMINI_AUTH_PASSWORD: '' })).toThrow(/GEMINI_AUTH_PASSWORD/);
    const services = loadCompose({ ...EXAMPLE_ENV, GEMINI_AUTH_PASSWORD: 'team-key' }).services as Record<string, { environment?: Record<string, string> }>;
    for (const name of ['gateway-1', 'gateway-2', 'gateway-3']) expect(services[name].environment?.GEMINI_AUTH_PASSWORD).toBe('team-key');
  });

  it('lets the replicas join the credential file group, so a 0640 file is readable and not world-readable', () => {
    const services = loadCompose({ ...EXAMPLE_ENV, GOOGLE_APPLICATION_CREDENTIALS: '/home/me/oauth_creds.json', GOOGLE_CREDENTIALS_GID: '1000' }).services as Record<string, { group_add?: string[]; user?: string; volumes?: Array<{ source: string }>; environment?: Record<string, string> }>;
    for (const name of ['gateway-1', 'gateway-2', 'gateway-3']) {
      expect(services[name].user).toBe('10001:10001');
      expect(services[name].group_add).toEqual(['1000']);
      expect(services[name].volumes?.[0].source).toBe('/home/me/oauth_creds.json');
      expect(services[name].environment?.GOOGLE_APPLICATION_CREDENTIALS).toBe('/run/geminicli2api/oauth_creds.json');
    }
    const withoutFile = loadCompose(EXAMPLE_ENV).services as Record<string, { group_add?: string[] }>;
    expect(withoutFile['gateway-1'].group_add).toEqual(['10001']);
  });
});
