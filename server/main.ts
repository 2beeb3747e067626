// Reads config, starts the runtime, listens, and shuts down cleanly on SIGINT/SIGTERM.
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { NatsServerMissing } from '../pipelines/bus/nats-server.ts';
import { startRuntime, type Runtime } from './runtime.ts';
import { allAreas } from './areas.ts';

export async function main(configOverride?: Config): Promise<Runtime> {
  let config: Config;
  try {
    config = configOverride ?? loadConfig(process.env, process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`floorwatch: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const log = pino({
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'key', '*.key', '*.secret', '*.password'], censor: '[redacted]' },
  });
  let rt: Runtime;
  try {
    rt = await startRuntime(config, log, allAreas());
  } catch (err) {
    if (err instanceof NatsServerMissing) console.error(`floorwatch: ${err.message}`);
    else console.error(`floorwatch: start-up failed: ${(err as Error).message}`);
    process.exit(1);
  }
  await rt.app.listen({ port: config.port, host: config.host });
  const url = `http://${config.host}:${(rt.app.server.address() as { port: number }).port}`;
  if (rt.bootstrapKey) {
    process.stdout.write(
      `\nFirst start: an admin key was created for tenant "default". It is shown only now; keep it safe:\n\n  ${rt.bootstrapKey}\n\n`,
    );
  }
  // Printed whatever the log level: people and scripts (tests, the demo) wait for it.
  process.stdout.write(`Floorwatch is listening on ${url}\n`);
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ sig }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await rt.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return rt;
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
