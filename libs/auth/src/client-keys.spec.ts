import { ClientKeyVerifier, credentialsOf } from './client-keys';

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
    [{ apiKey: 'sk-alice' }, 'alice'],
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

  it('reads every accepted form from headers and query, x-api-key included', () => {
    expect(credentialsOf({ authorization: 'Bearer a', 'x-goog-api-key': 'b', 'x-api-key': ['c', 'd'] }, { key: 'e' })).toEqual({ authorization: 'Bearer a', googApiKey: 'b', apiKey: 'c', queryKey: 'e' });
    expect(verifier.identify(credentialsOf({ 'x-api-key': 'pw-1' }, undefined))).toBe('default');
    expect(credentialsOf({}, { key: ['x', 'y'] }).queryKey).toBeUndefined();
  });
});
