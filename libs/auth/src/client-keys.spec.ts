import { ClientKeyVerifier } from './client-keys';

describe('ClientKeyVerifier', () => {
  const verifier = new ClientKeyVerifier([{ name: 'default', key: 'pw-1' }, { name: 'alice', key: 'sk-alice' }]);
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it.each([
    [{ authorization: 'Bearer sk-alice' }, 'alice'],
    [{ authorization: 'bearer   pw-1' }, 'default'],
    [{ authorization: basic('anyone', 'sk-alice') }, 'alice'],
    [{ authorization: basic('', 'pw-1') }, 'default'],
    [{ googApiKey: 'pw-1' }, 'default'],
    [{ queryKey: 'sk-alice' }, 'alice'],
    [{ authorization: 'Bearer wrong', googApiKey: 'sk-alice' }, 'alice'],
  ])('identifies %j as %s', (credentials, name) => {
    expect(verifier.identify(credentials)).toBe(name);
  });

  it.each([
    [{}],
    [{ authorization: 'Bearer ' }],
    [{ authorization: 'Bearer pw-1x' }],
    [{ authorization: 'Token pw-1' }],
    [{ authorization: basic('pw-1', 'nope') }],
    [{ authorization: 'Basic !!!not-base64' }],
    [{ queryKey: 'PW-1' }],
  ])('refuses %j', (credentials) => {
    expect(verifier.identify(credentials)).toBeUndefined();
  });
});
