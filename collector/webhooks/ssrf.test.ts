// Tests for the webhook SSRF guard: forbidden addresses, URL checks and checks after DNS resolution.
import { describe, expect, it } from 'vitest';
import { checkUrl, isForbiddenAddress, parseLooseIPv4, resolveAndCheck, WebhookUrlError } from './ssrf';

describe('isForbiddenAddress', () => {
  it.each([
    '127.0.0.1', '127.255.255.254', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1',
    '100.64.0.1', '100.127.255.255', '169.254.169.254', '169.254.0.1', '0.0.0.0', '0.1.2.3',
    '224.0.0.1', '239.255.255.250', '255.255.255.255', '240.0.0.1', '192.0.2.10', '198.18.0.1',
    '::1', '::', '[::1]', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1', 'fec0::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::127.0.0.1',
    '::7f00:1', '2002:7f00:1::', '2002:c0a8:101::1', '64:ff9b::127.0.0.1', '64:ff9b::a00:1',
    '64:ff9b:1::808:808', '2001:db8::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '2130706433', '0177.0.0.1', '0x7f.1', '127.1', '0x7f000001', '017700000001', '0xa.0.0.1',
    'not-an-ip', '', '1.2.3.4.5', '::ffff:zz',
  ])('refuses %s', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(true);
  });

  it.each([
    '8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '100.128.0.1', '192.169.0.1', '11.0.0.1',
    '2606:4700:4700::1111', '2a00:1450:4007:80e::200e', '::ffff:8.8.8.8', '2002:808:808::1',
    '64:ff9b::8.8.8.8', '134744072',
  ])('allows public %s', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(false);
  });
});

describe('parseLooseIPv4', () => {
  it.each([
    ['2130706433', '127.0.0.1'], ['0177.0.0.1', '127.0.0.1'], ['0x7f.1', '127.0.0.1'], ['127.1', '127.0.0.1'],
    ['10.1', '10.0.0.1'], ['192.168.257', '192.168.1.1'], ['0x7F.0.0.1', '127.0.0.1'],
  ])('reads %s as %s', (host, ip) => {
    expect(parseLooseIPv4(host)).toBe(ip);
  });

  it.each(['example.com', '256.0.0.1', '1.2.3.4.5', '08.0.0.1', '4294967296', '1..2', '127.0.0.1.'])(
    'does not read %s as an address',
    (host) => {
      expect(parseLooseIPv4(host)).toBeNull();
    },
  );
});

describe('checkUrl', () => {
  it('accepts http and https URLs, with a port', () => {
    expect(checkUrl('https://hooks.example.com/piste').hostname).toBe('hooks.example.com');
    expect(checkUrl('http://hooks.example.com:8443/x?y=1').port).toBe('8443');
  });

  it.each([
    ['not a url', /not a valid URL/],
    ['ftp://example.com/', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['javascript:alert(1)', /http or https/],
    ['gopher://127.0.0.1:6379/', /http or https/],
    ['https://user:pass@example.com/', /credentials/],
    ['https://user@example.com/', /credentials/],
    ['http://127.0.0.1/', /private/],
    ['http://2130706433/', /private/],
    ['http://0177.0.0.1/', /private/],
    ['http://[::1]/', /private/],
    ['http://[::ffff:127.0.0.1]/', /private/],
    ['http://localhost:8787/', /local name/],
    ['http://api.localhost/', /local name/],
    ['http://169.254.169.254/latest/meta-data/', /metadata/],
    ['http://metadata.google.internal/computeMetadata/v1/', /metadata/],
    ['http://METADATA.google.internal./', /metadata/],
  ])('refuses %s', (url, message) => {
    expect(() => checkUrl(url)).toThrow(WebhookUrlError);
    expect(() => checkUrl(url)).toThrow(message);
  });

  it('lets the operator allow private addresses, but never metadata endpoints', () => {
    expect(checkUrl('http://127.0.0.1:9000/', { allowPrivate: true }).port).toBe('9000');
    expect(checkUrl('http://localhost/', { allowPrivate: true }).hostname).toBe('localhost');
    expect(() => checkUrl('http://169.254.169.254/', { allowPrivate: true })).toThrow(/metadata/);
    expect(() => checkUrl('http://metadata.google.internal/', { allowPrivate: true })).toThrow(/metadata/);
  });
});

describe('resolveAndCheck', () => {
  const resolvesTo = (...addresses: string[]) => async () =>
    addresses.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));

  it('returns the addresses of a public name', async () => {
    const found = await resolveAndCheck('hooks.example.com', { lookup: resolvesTo('93.184.216.34', '2606:2800::1') });
    expect(found.map((a) => a.address)).toEqual(['93.184.216.34', '2606:2800::1']);
  });

  it('refuses a name when any of its addresses is forbidden', async () => {
    await expect(resolveAndCheck('evil.example', { lookup: resolvesTo('93.184.216.34', '127.0.0.1') })).rejects.toThrow(
      WebhookUrlError,
    );
    await expect(resolveAndCheck('evil.example', { lookup: resolvesTo('::ffff:10.0.0.5') })).rejects.toThrow(/private/);
  });

  it('checks IP literals in any spelling without asking DNS', async () => {
    const noDns = async () => {
      throw new Error('DNS must not be asked');
    };
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '127.1', '[::1]', '::ffff:7f00:1']) {
      await expect(resolveAndCheck(host, { lookup: noDns })).rejects.toThrow(/private/);
    }
    expect(await resolveAndCheck('8.8.8.8', { lookup: noDns })).toEqual([{ address: '8.8.8.8', family: 4 }]);
  });

  it('refuses names that do not resolve, and metadata names before resolving', async () => {
    await expect(resolveAndCheck('nowhere.example', { lookup: resolvesTo() })).rejects.toThrow(/did not resolve/);
    const failing = async () => {
      throw new Error('ENOTFOUND');
    };
    await expect(resolveAndCheck('nowhere.example', { lookup: failing })).rejects.toThrow(/did not resolve/);
    await expect(resolveAndCheck('metadata.google.internal', { lookup: resolvesTo('8.8.8.8') })).rejects.toThrow(
      /metadata/,
    );
  });

  it('allows private addresses only when the operator says so, never metadata', async () => {
    const found = await resolveAndCheck('intranet.example', { lookup: resolvesTo('10.0.0.5'), allowPrivate: true });
    expect(found).toEqual([{ address: '10.0.0.5', family: 4 }]);
    await expect(
      resolveAndCheck('sneaky.example', { lookup: resolvesTo('169.254.169.254'), allowPrivate: true }),
    ).rejects.toThrow(/metadata/);
  });
});
