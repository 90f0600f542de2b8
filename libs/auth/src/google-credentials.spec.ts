import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialFormatError, GEMINI_CLI_CLIENT_ID, loadGoogleCredentials, parseCredential } from './google-credentials';

describe('parseCredential', () => {
  it('reads Gemini CLI\'s oauth_creds.json shape (access_token, expiry_date in ms)', () => {
    const credential = parseCredential({ access_token: 'ya29.a', refresh_token: '1//r', expiry_date: 1761000000000, scope: 's', token_type: 'Bearer' }, 'file', 'default');
    expect(credential).toMatchObject({ accessToken: 'ya29.a', refreshToken: '1//r', expiryMs: 1761000000000, clientId: GEMINI_CLI_CLIENT_ID, label: 'default' });
  });

  it('reads the original gateway\'s shape (token, ISO expiry, client id/secret, project_id)', () => {
    const credential = parseCredential({ token: 'ya29.b', refresh_token: 'r2', expiry: '2025-10-20T19:14:08Z', client_id: 'cid', client_secret: 'cs', project_id: 'p1' }, 'env', 'default');
    expect(credential).toMatchObject({ accessToken: 'ya29.b', expiryMs: Date.parse('2025-10-20T19:14:08Z'), clientId: 'cid', clientSecret: 'cs', projectId: 'p1' });
  });

  it('treats an ISO expiry without zone as UTC and leaves a missing expiry undefined', () => {
    expect(parseCredential({ token: 't', refresh_token: 'r', expiry: '2025-10-20T19:14:08' }, 'x', 'd').expiryMs).toBe(Date.parse('2025-10-20T19:14:08Z'));
    expect(parseCredential({ token: 't', refresh_token: 'r' }, 'x', 'd').expiryMs).toBeUndefined();
  });

  it('gives a stable id derived from the refresh token, never the token itself', () => {
    const first = parseCredential({ refresh_token: 'same' }, 'a', 'x');
    const second = parseCredential({ refresh_token: 'same', label: 'team' }, 'b', 'y');
    expect(first.id).toBe(second.id);
    expect(first.id).not.toContain('same');
    expect(second.label).toBe('team');
  });

  it('explains a service-account key and a missing refresh token', () => {
    expect(() => parseCredential({ type: 'service_account', private_key: 'k' }, 'file.json', 'd')).toThrow(/service-account key/);
    expect(() => parseCredential({ access_token: 'x' }, 'file.json', 'd')).toThrow(/no refresh_token/);
    expect(() => parseCredential('text', 'file.json', 'd')).toThrow(CredentialFormatError);
  });
});

describe('loadGoogleCredentials precedence', () => {
  const folder = () => mkdtempSync(join(tmpdir(), 'gcli2api-creds-'));
  const write = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value));

  it('GEMINI_CREDENTIALS wins over everything, and accepts an array', async () => {
    const cwd = folder();
    write(join(cwd, 'oauth_creds.json'), { refresh_token: 'from-cwd' });
    const loaded = await loadGoogleCredentials({ credentialsJson: JSON.stringify([{ refresh_token: 'a' }, { refresh_token: 'b', label: 'b' }]), credentialsFile: 'x.json', cwd });
    expect(loaded.credentials.map((credential) => credential.label)).toEqual(['account-1', 'b']);
    expect(loaded.description).toBe('GEMINI_CREDENTIALS');
  });

  it('then GOOGLE_APPLICATION_CREDENTIALS (relative to the working directory), then ./oauth_creds.json, then ~/.gemini', async () => {
    const cwd = folder();
    const home = folder();
    mkdirSync(join(home, '.gemini'));
    write(join(home, '.gemini', 'oauth_creds.json'), { refresh_token: 'from-home' });
    expect((await loadGoogleCredentials({ cwd, geminiHome: home })).credentials[0].refreshToken).toBe('from-home');
    write(join(cwd, 'oauth_creds.json'), { refresh_token: 'from-cwd' });
    expect((await loadGoogleCredentials({ cwd, geminiHome: home })).credentials[0].refreshToken).toBe('from-cwd');
    write(join(cwd, 'mine.json'), { refresh_token: 'from-gac' });
    expect((await loadGoogleCredentials({ cwd, geminiHome: home, credentialsFile: 'mine.json' })).credentials[0].refreshToken).toBe('from-gac');
  });

  it('fails loudly for a set but broken source instead of falling through', async () => {
    const cwd = folder();
    await expect(loadGoogleCredentials({ credentialsJson: '{nope', cwd })).rejects.toThrow(/GEMINI_CREDENTIALS: is not valid JSON/);
    await expect(loadGoogleCredentials({ credentialsFile: 'missing.json', cwd })).rejects.toThrow(/no file at/);
    await expect(loadGoogleCredentials({ credentialsFile: '.', cwd })).rejects.toThrow(/is a directory/);
    write(join(cwd, 'bad.json'), 'x');
    writeFileSync(join(cwd, 'bad.json'), '{');
    await expect(loadGoogleCredentials({ credentialsFile: 'bad.json', cwd })).rejects.toThrow(/not valid JSON/);
  });

  it('pools GEMINI_CREDENTIALS and every file of GEMINI_CREDENTIALS_DIR (a mounted Secret), once per account', async () => {
    const cwd = folder();
    const dir = join(cwd, 'secret');
    mkdirSync(dir);
    mkdirSync(join(dir, '..data'));
    write(join(dir, 'team-a.json'), { refresh_token: 'ra', weight: 2 });
    write(join(dir, 'team-b'), [{ refresh_token: 'rb1', project: 'proj-b' }, { refresh_token: 'ra' }]);
    write(join(dir, '.hidden.json'), { refresh_token: 'ignored' });
    const loaded = await loadGoogleCredentials({ credentialsJson: JSON.stringify({ refresh_token: 'rj', label: 'team-a' }), credentialsDir: 'secret', cwd });
    expect(loaded.credentials.map((credential) => [credential.label, credential.refreshToken, credential.weight, credential.projectId])).toEqual([
      ['team-a', 'rj', 1, undefined],
      ['team-a-2', 'ra', 2, undefined],
      ['team-b-1', 'rb1', 1, 'proj-b'],
    ]);
    expect(loaded.description).toContain('GEMINI_CREDENTIALS + ');
    await expect(loadGoogleCredentials({ credentialsDir: 'missing', cwd })).rejects.toThrow(/GEMINI_CREDENTIALS_DIR: cannot read/);
  });

  it('reports where it looked when nothing is found', async () => {
    const loaded = await loadGoogleCredentials({ cwd: folder(), geminiHome: folder() });
    expect(loaded.credentials).toEqual([]);
    expect(loaded.description).toContain('~/.gemini/oauth_creds.json');
  });
});
