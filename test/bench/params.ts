import { randomBytes } from 'node:crypto';

/** The bench's run-wide settings and identity: its size (`--quick`), what it runs (`--only=`), its services, its secrets. */
export const argv = process.argv.slice(2);
export const quick = argv.includes('--quick');
export const only = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const P = quick
  ? {
      budgetMs: 112_000,
      minRungMs: 15_000,
      conversations: 500,
      small: { conversations: 100, perSide: 1, warmupMs: 1_000, measureMs: 2_000 },
      big: { perSide: 0.5, warmupMs: 1_000, measureMs: 2_500 },
      ramp: { steps: [1_000, 3_000], warmupMs: 800, measureMs: 1_500 },
      idle: { conversations: 1_000, warmConversations: 150, generators: 3 },
      timers: { sessions: 600, timeoutSeconds: 2, generators: 2 },
      drainMs: 1_500,
      generators: 2,
    }
  : {
      budgetMs: 570_000,
      minRungMs: 60_000,
      conversations: 2_000,
      small: { conversations: 100, perSide: 1, warmupMs: 4_000, measureMs: 8_000 },
      big: { perSide: 0.5, warmupMs: 4_000, measureMs: 12_000 },
      ramp: { steps: [1_000, 2_000, 3_000, 4_000, 6_000, 8_000, 12_000], warmupMs: 1_500, measureMs: 3_500 },
      idle: { conversations: 9_000, warmConversations: 300, generators: 3 },
      timers: { sessions: 10_000, timeoutSeconds: 5, generators: 2 },
      drainMs: 3_000,
      generators: 2,
    };

/** The first window after a rung's connections warms up this many times longer (unrecorded). */
export const SETTLE = 3;

export const started = Date.now();
export const deadline = started + P.budgetMs;
export const timeLeft = () => deadline - Date.now();
export const runId = randomBytes(4).toString('hex');
export const jwtSecret = randomBytes(24).toString('base64url');
export const adminKey = randomBytes(18).toString('base64url');
export const cleanups: Array<() => Promise<void>> = [];

export const log = (s: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
