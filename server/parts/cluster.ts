import type { Parts } from '../app.js';
import type { HubConfig } from '../config.js';
import type { Logger } from '../log.js';

export async function clusterParts(_config: HubConfig, _log: Logger): Promise<Parts> {
  throw new Error('cluster mode is not wired yet');
}
