import type { Logger } from 'pino';
import type { ReconnectPush } from '@conversation-hub/client-sdk/contract';
import type { HubServer } from './socket-types.js';

/**
 * Counts work a node has under way (calls being served, disconnects being handled) and waits
 * for it to finish, so a drain or a close never pulls a part from under it.
 */
export class InFlight {
  private n = 0;
  private readonly idlers = new Set<() => void>();

  get count(): number {
    return this.n;
  }

  /** Counts one piece of work; answers the function that ends it (calling it again does nothing). */
  begin(): () => void {
    this.n++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.n--;
      if (this.n === 0) for (const wake of [...this.idlers]) wake();
    };
  }

  /** Counts `work` until it settles, however it settles. */
  track(work: Promise<unknown>): void {
    const end = this.begin();
    work.then(end, end);
  }

  /** Resolves true once nothing is under way, false when `ms` pass first. */
  idle(ms: number): Promise<boolean> {
    if (this.n === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.idlers.delete(wake);
        resolve(ok);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), Math.max(0, ms));
      this.idlers.add(wake);
    });
  }
}

/** What the socket server counts for a drain (server/transport/socket-server.ts). */
export interface HubWork {
  /** Calls between their arrival and their answer, and connection set-ups. */
  calls: InFlight;
  /** Disconnect handling (an agent's: a fetchSockets and a timer). */
  disconnects: InFlight;
}

export const hubWork = (): HubWork => ({ calls: new InFlight(), disconnects: new InFlight() });

export interface DrainOptions {
  /** When the whole drain, closing included, must be over (epoch ms). */
  deadline: number;
  /**
   * How long the node keeps serving its sockets after `/readyz` turned 503, for the load balancer
   * to notice before they come back to it. Default 0.
   */
  noticeMs?: number;
}

/**
 * Steps 1–3 of a drain (README, "Stopping a node"): the caller has already made `/readyz` answer
 * 503 and the handshake refuse; this waits the notice, then for the calls in flight (bounded), and
 * disconnects this node's own sockets (never the cluster's: `io.local`), each told first with a
 * `reconnect` push to come back through the load balancer. It then waits, bounded, for their
 * disconnect handling. Closing the rest (BullMQ workers, stores) is `RunningHub.close()`.
 */
export async function drainSockets(io: HubServer, work: HubWork, log: Logger, opts: DrainOptions): Promise<void> {
  const started = Date.now();
  const left = () => opts.deadline - Date.now();
  log.info({ sockets: io.sockets.sockets.size, calls: work.calls.count, budgetMs: left() }, 'draining: /readyz answers 503, new sockets are refused');
  if (opts.noticeMs) await new Promise((resolve) => setTimeout(resolve, Math.min(opts.noticeMs!, left() / 4)));
  // Half of what is left for the calls; the rest for disconnect handling, BullMQ's active jobs and closing.
  if (!(await work.calls.idle(left() / 2))) log.warn({ calls: work.calls.count }, 'draining: calls still in flight at their time limit');
  const push: ReconnectPush = { reason: 'draining', message: 'this hub node is shutting down: connect again' };
  const sockets = io.sockets.sockets.size;
  io.local.emit('reconnect', push);
  io.local.disconnectSockets(true);
  if (!(await work.disconnects.idle(left() / 3))) log.warn({ pending: work.disconnects.count }, 'draining: disconnect handling still running at its time limit');
  log.info({ sockets, ms: Date.now() - started }, 'draining: own sockets told to reconnect and disconnected');
}
