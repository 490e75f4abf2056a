import { startHub } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './log.js';

const boot = createLogger(process.env.LOG_LEVEL ?? 'info');
try {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  if (config.generatedSecretsFile) {
    log.warn({ file: config.generatedSecretsFile }, 'HUB_JWT_SECRET / HUB_ADMIN_KEY not set: using secrets generated and kept in this file');
  }
  const hub = await startHub(config, { log });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    hub.close().then(
      () => process.exit(0),
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
