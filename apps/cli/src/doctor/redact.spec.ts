import { mask } from './redact';

describe('mask', () => {
  it.each([
    ['sk-test-client-key-0123456789', '…6789'],
    ['0123456789abcdef01', '…ef01'],
    ['12345678', '…78'],
    ['short', '…'],
  ])('shows at most four characters of %s', (secret, masked) => {
    expect(mask(secret)).toBe(masked);
    expect(mask(secret).replace('…', '').length).toBeLessThanOrEqual(4);
  });
});
