// npm run keys -- create --tenant acme --scopes ingest,read [--name "wall 3"]
// npm run keys -- list [--tenant acme]
// npm run keys -- revoke <id>
// Talks to the same NATS KV as Floorwatch: NATS_URL, or the private server of a running
// Floorwatch (DATA_DIR/nats.url), or, when none runs, a private server started briefly.
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { loadConfig, ConfigError } from '../config.ts';
import { Bus } from '../../pipelines/bus/bus.ts';
import { KvMap } from '../../pipelines/bus/kv-map.ts';
import { startNatsServer, type PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { KeyStore, SCOPES, validTenant, BOOTSTRAP_TENANT, type KeyRecord, type KeyScope } from '../auth/keys.ts';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function fail(msg: string): never {
  console.error(`keys: ${msg}`);
  process.exit(2);
}

async function connect(natsUrl: string | null, dataDir: string, replicas: number) {
  const log = pino({ level: 'silent' });
  let server: PrivateNats | null = null;
  let url = natsUrl;
  const urlFile = path.join(dataDir, 'nats.url');
  if (!url && fs.existsSync(urlFile)) {
    const candidate = fs.readFileSync(urlFile, 'utf8').trim();
    try {
      const bus = await Promise.race([
        Bus.connect(candidate, log),
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 2_000)),
      ]);
      return { bus, server };
    } catch {
      /* not running: start our own below */
    }
  }
  if (!url) {
    server = await startNatsServer({ storeDir: path.join(dataDir, 'nats') });
    url = server.url;
  }
  return { bus: await Bus.connect(url, log, { replicas: server ? 1 : replicas }), server };
}

async function run() {
  const [cmd, ...rest] = process.argv.slice(2);
  if (!cmd || !['create', 'list', 'revoke'].includes(cmd))
    fail('usage: keys create --tenant T --scopes ingest,read[,admin] [--name N] | keys list [--tenant T] | keys revoke ID');
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const { bus, server } = await connect(config.natsUrl, config.dataDir, config.natsReplicas);
  const map = await KvMap.open<KeyRecord>(bus, 'fw_keys');
  const keys = new KeyStore(map, null);
  try {
    if (cmd === 'create') {
      const tenant = arg(rest, 'tenant') ?? BOOTSTRAP_TENANT;
      if (!validTenant(tenant)) fail(`--tenant ${tenant}: use 1–63 characters of a–z, 0–9, "_" or "-"`);
      const scopes = (arg(rest, 'scopes') ?? '').split(',').filter(Boolean);
      if (!scopes.length || scopes.some((s) => !(SCOPES as readonly string[]).includes(s)))
        fail(`--scopes must be a comma-separated list of ${SCOPES.join(', ')}`);
      const { key, record } = await keys.create(tenant, scopes as KeyScope[], arg(rest, 'name') ?? null);
      console.log(JSON.stringify({ id: record.id, key, tenant, scopes: record.scopes }));
    } else if (cmd === 'list') {
      const tenant = arg(rest, 'tenant');
      for (const t of tenant ? [tenant] : keys.tenants()) for (const k of keys.list(t)) console.log(JSON.stringify(k));
    } else {
      const id = rest[0];
      if (!id || !keys.get(id)) fail(`no key ${id ?? '(missing id)'}`);
      await keys.revoke(id);
      console.log(`revoked ${id}`);
    }
  } finally {
    map.close();
    await bus.close();
    await server?.stop();
  }
}

await run();
