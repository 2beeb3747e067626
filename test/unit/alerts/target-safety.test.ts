// SSRF guard: private, loopback, link-local, unique-local and CGNAT targets are refused
// unless allowed; every resolved address counts.
import { describe, expect, it } from 'vitest';
import { guardedLookup, isPrivateAddress, targetProblem, type LookupAll } from '../../../pipelines/alerts/target-safety.ts';
import { deliver } from '../../../pipelines/alerts/deliver.ts';

const dns = (m: Record<string, string[]>): LookupAll => async (h) => {
  if (!m[h]) throw Object.assign(new Error('nx'), { code: 'ENOTFOUND' });
  return m[h].map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1',
  ])('%s is private', (a) => expect(isPrivateAddress(a)).toBe(true));
  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'])('%s is public', (a) =>
    expect(isPrivateAddress(a)).toBe(false),
  );
});

describe('targetProblem', () => {
  const lookup = dns({ 'hooks.example.com': ['93.184.216.34'], 'sneaky.example.com': ['93.184.216.34', '10.0.0.5'], 'localhost': ['127.0.0.1'] });
  it('accepts a public https URL', async () => {
    expect(await targetProblem('https://hooks.example.com/x', false, lookup)).toBeNull();
  });
  it('refuses loopback, private answers among public ones, and IP literals', async () => {
    expect(await targetProblem('http://localhost:8080/', false, lookup)).toMatch(/127\.0\.0\.1/);
    expect(await targetProblem('https://sneaky.example.com/', false, lookup)).toMatch(/10\.0\.0\.5/);
    expect(await targetProblem('http://[::1]:9/', false, lookup)).toMatch(/::1/);
    expect(await targetProblem('http://169.254.169.254/latest', false, lookup)).toMatch(/private/);
  });
  it('allows private targets when the tenant allows them', async () => {
    expect(await targetProblem('http://localhost:8080/', true, lookup)).toBeNull();
  });
  it('refuses non-http schemes, credentials and names that do not resolve', async () => {
    expect(await targetProblem('ftp://hooks.example.com/', false, lookup)).toMatch(/http/);
    expect(await targetProblem('https://u:p@hooks.example.com/', false, lookup)).toMatch(/credentials/);
    expect(await targetProblem('https://nope.example.com/', false, lookup)).toMatch(/ENOTFOUND/);
  });
});

describe('at delivery time', () => {
  it('the connection lookup refuses a name that now resolves to a private address (DNS rebinding)', async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((r) => guardedLookup(false)('localhost', {}, (e) => r(e)));
    expect(err?.code).toBe('EPRIVATE');
    const ok = await new Promise<NodeJS.ErrnoException | null>((r) => guardedLookup(true)('localhost', {}, (e) => r(e)));
    expect(ok).toBeNull();
  });
  it('deliver refuses a private IP literal without connecting, as a permanent failure', async () => {
    const m = {
      tenant: 't', kind: 'firing' as const, delivery_id: 'x:1:0', target: { type: 'webhook' as const, url: 'http://127.0.0.1:9/h', secret: null },
      body: {} as never,
    };
    const r = await deliver(m, { allowPrivate: false, timeoutMs: 1000 });
    expect(r).toMatchObject({ ok: false, permanent: true });
    expect(r.error).toMatch(/private/);
  });
});
