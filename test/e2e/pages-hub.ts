import { afterAll, beforeAll } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { build } from '../../scripts/build.js';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';
import { launch, type OtherSite } from './browser.js';

export interface PagesHub {
  hub: TestHub;
  browser: Browser;
  /** Other sites a test serves the embed from; closed with the rest. */
  sites: OtherSite[];
}

/**
 * One e2e file's world: the pages built (when stale: the hub serves dist/public), a test hub and a
 * Chromium, started before the file's tests and closed after them.
 */
export function pagesHub(): PagesHub {
  const world = { sites: [] } as unknown as PagesHub;
  beforeAll(async () => {
    await build({ ifStale: true, sdk: false });
    world.hub = await startTestHub();
    world.browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(world.sites.map((s) => s.close()));
    await world.browser?.close();
    await world.hub?.close();
  });
  return world;
}
