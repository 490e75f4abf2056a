import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './common.js';
import { log, quick } from './params.js';
import { startRung } from './rungs.js';

/** RSS now and its peak (VmHWM), bytes, of a process. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

export interface FootprintResult {
  /** A fresh data folder: the database is made (in a child process that exits), then opened. */
  firstStart: { rss: number; peak: number };
  /** The same folder again. */
  reopened: { rss: number; peak: number };
}

/**
 * The embedded hub's memory with no socket, as production runs it (the built server, no tsx):
 * RSS two seconds after "hub listening", and the process's peak, on a first start and on a reopen.
 */
export async function footprint(): Promise<FootprintResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-bench-footprint-'));
  try {
    const once = async () => {
      const rung = await startRung('hub-1', { HUB_DATA_DIR: dataDir }, { compiled: true });
      try {
        await sleep(2_000);
        return memoryOf(rung.nodes[0]!.pid);
      } finally {
        await rung.stop();
      }
    };
    const firstStart = await once();
    const reopened = quick ? firstStart : await once(); // --quick: one start
    const mb = (n: number) => (n / 2 ** 20).toFixed(0);
    log(`footprint: first start ${mb(firstStart.rss)} MB (peak ${mb(firstStart.peak)}), reopened ${mb(reopened.rss)} MB (peak ${mb(reopened.peak)})`);
    return { firstStart, reopened };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
