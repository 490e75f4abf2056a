import { startHub } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './log.js';
import { pgliteDataDir } from './persistence/create-database.js';
import { initPgliteApart } from './persistence/pglite-init.js';

// Before the config is read: its lines follow LOG_FORMAT when it is valid (a bad one is reported as JSON).
const boot = createLogger(process.env.LOG_LEVEL ?? 'info', { format: process.env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json' });
try {
  const config = loadConfig();
  const log = createLogger(config.logLevel, { format: config.logFormat });
  if (config.generatedSecretsFile) {
    log.warn({ file: config.generatedSecretsFile }, 'HUB_JWT_SECRET / HUB_ADMIN_KEY not set: using secrets generated and kept in this file');
  }
  // The first start makes the embedded database in a child process, to keep initdb's memory out of the hub's.
  if (config.mode === 'embedded' && (await initPgliteApart(pgliteDataDir(config.dataDir)))) log.info({ dataDir: config.dataDir }, 'embedded database made');
  const hub = await startHub(config, { log });
  // Libraries that discard a Redis command's promise (the Redis adapter's PUBLISH, the emitter's:
  // socket.io-redis-emitter#139) reject it unhandled when Redis goes away, which by Node's default
  // ends the process: the chaos run saw nodes exit 1 on a Redis restart. The command is lost either
  // way (the SDK's resync and housekeeping cover what it carried); the node stays up and says so.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection (a discarded promise); the node goes on'));
  let stopping = false;
  // SIGTERM and SIGINT drain (server/transport/drain.ts) within HUB_DRAIN_SECONDS; a second signal, or the time limit, ends the process at once.
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without finishing the drain');
      process.exit(1);
    }
    stopping = true;
    const started = Date.now();
    log.info({ signal, drainSeconds: config.drainSeconds }, 'shutting down: draining');
    setTimeout(() => {
      // A timer job still running is not lost: its lock expires and another node runs it again.
      log.error({ drainSeconds: config.drainSeconds }, 'drain did not finish within HUB_DRAIN_SECONDS: exiting');
      process.exit(1);
    }, config.drainSeconds * 1000).unref();
    hub.drain().then(
      () => {
        log.info({ ms: Date.now() - started }, 'drained: exiting');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (err) {
  boot.fatal({ err }, (err as Error).message);
  process.exit(1);
}
