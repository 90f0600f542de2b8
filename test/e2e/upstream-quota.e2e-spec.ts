import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

const ADMIN_KEY = 'admin-key-quota-0123456';

/** Upstream quota you can see: each account's retrieveUserQuota, in /admin/status and as a gauge. */
describe('upstream quota', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-quota' });
    emulator.setQuotaFraction('gemini-2.5-pro', 0.25);
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-quota', { label: 'quota-account' }), env: { QUOTA_REFRESH_MS: '300', ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: 'warn' } });
  });

  afterAll(async () => {
    await gateway?.close();
    await emulator?.close();
  });

  it('reads each account\'s remaining quota in the background and shows it in /admin/status and the gauge', async () => {
    let quota: Array<{ label: string; buckets: Array<{ modelId: string; remainingFraction: number; resetTime: string }> }> = [];
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const status = (await (await fetch(`${gateway.url}/admin/status`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { quota: typeof quota };
      quota = status.quota;
      if (quota.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(quota).toHaveLength(1);
    expect(quota[0].label).toBe('quota-account');
    const pro = quota[0].buckets.find((bucket) => bucket.modelId === 'gemini-2.5-pro');
    expect(pro).toMatchObject({ remainingFraction: 0.25 });
    expect(Date.parse(pro?.resetTime ?? '')).toBeGreaterThan(Date.now());
    emulator.setQuotaFraction('gemini-2.5-pro', 0.1);
    const metricDeadline = Date.now() + 10_000;
    let line: string | undefined;
    while (Date.now() < metricDeadline) {
      const text = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
      line = text.split('\n').find((entry) => entry.startsWith('geminicli2api_upstream_quota_remaining_fraction{credential="quota-account",model="gemini-2.5-pro"}'));
      if (line?.endsWith(' 0.1')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(line?.endsWith(' 0.1')).toBe(true);
  });
});
