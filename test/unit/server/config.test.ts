// A bad setting stops start-up with one line naming it and the fix (spec/api.md).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config.ts';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect([c.port, c.host, c.natsUrl, c.clickhouse, c.adminKey, c.logLevel]).toEqual([3000, '127.0.0.1', null, null, null, 'info']);
    expect(c.dataDir).toMatch(/\/data$/);
    expect([...c.roles].sort()).toEqual(['engine', 'gateway', 'ingest', 'notifier', 'voc', 'writer']);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT=abc is not valid: expected an integer from 0 to 65535/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL=loud is not valid: use one of/],
    [{ CLICKHOUSE_URL: 'clickhouse:8123' }, /CLICKHOUSE_URL=clickhouse:8123 is not valid: expected http/],
    [{ NATS_URL: 'not a url' }, /NATS_URL=not a url is not valid/],
    [{ ADMIN_KEY: 'short' }, /ADMIN_KEY is too short/],
    [{ ROLES: 'ingest,cooking' }, /unknown role "cooking"/],
    [{ PUBLIC_URL: 'floor.example' }, /PUBLIC_URL=floor.example is not valid/],
    [{ RATE_LIMIT_PER_KEY: '-1' }, /RATE_LIMIT_PER_KEY=-1 is not valid/],
  ])('refuses %o with a clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads roles from --roles= and a ClickHouse server from CLICKHOUSE_*', () => {
    const c = loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_USER: 'fw', CLICKHOUSE_PASSWORD: 'p' }, ['--roles=ingest,gateway']);
    expect([...c.roles]).toEqual(['ingest', 'gateway']);
    expect(c.clickhouse).toEqual({ url: 'http://ch:8123', user: 'fw', password: 'p', database: 'default' });
  });
});
