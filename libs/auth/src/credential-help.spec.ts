import { CREDENTIAL_SOURCES, noCredentialsWarning, noUsableAccountMessage } from './credential-help';

describe('credential help for a new user', () => {
  it('warns once about missing credentials, names every source once and the fixes', () => {
    const warning = noCredentialsWarning();
    expect(warning).toContain('npm run login');
    expect(warning).toContain('GEMINI_CREDENTIALS to the credential JSON');
    expect(warning.split(CREDENTIAL_SOURCES)).toHaveLength(2);
    expect(warning).not.toMatch(/none found/);
  });

  it('tells the 503 reader how to get a credential and how to turn on /admin/status', () => {
    const none = noUsableAccountMessage({ model: 'gemini-2.5-pro', configuredAccounts: 0, reasons: '', adminStatusEnabled: false });
    expect(none).toMatch(/^No usable Google account for gemini-2\.5-pro: no Google credentials are configured/);
    expect(none).toContain('npm run login');
    expect(none).toContain('GEMINI_CREDENTIALS');
    expect(none).toContain('Set ADMIN_API_KEY to see each account\'s state at GET /admin/status');
    const disabled = noUsableAccountMessage({ model: 'gemini-2.5-pro', configuredAccounts: 2, reasons: 'refresh token revoked', adminStatusEnabled: true });
    expect(disabled).toContain('refresh token revoked');
    expect(disabled).toContain('GET /admin/status (Bearer ADMIN_API_KEY)');
    expect(disabled).not.toContain('Set ADMIN_API_KEY');
  });
});
