import type { Cluster, HubNode } from '../helpers/cluster.js';
import type { PrivateRedis } from '../helpers/private-redis.js';
import type { TcpProxy } from '../helpers/proxy.js';
import type { Balancer } from './balancer.js';

export type FaultKind = 'sigkill' | 'sigterm' | 'redis' | 'postgres';

export interface FaultRecord {
  kind: FaultKind;
  /** Seconds after the load started. */
  at: number;
  /** Until the system was whole again (node back in the balancer, Redis up, Postgres accepting), ms. */
  ms: number;
  detail: string;
}

export interface Rig {
  cluster: Cluster;
  /** Nodes alive now, in the balancer. */
  live: HubNode[];
  balancer: Balancer;
  redis: PrivateRedis;
  postgres: TcpProxy;
  onNode(node: HubNode): void;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Injects one fault and undoes it: the node restarts, Redis comes back, Postgres accepts again. */
export async function inject(rig: Rig, kind: FaultKind, turn: number): Promise<string> {
  switch (kind) {
    case 'sigkill':
    case 'sigterm': {
      const victim = rig.live[turn % rig.live.length]!;
      rig.live.splice(rig.live.indexOf(victim), 1);
      // A SIGKILLed node vanishes at once; a draining one leaves the rotation by its /readyz.
      if (kind === 'sigkill') rig.balancer.setTargets(rig.live.map((n) => n.port));
      const started = Date.now();
      await rig.cluster.kill(victim, kind === 'sigkill' ? 'SIGKILL' : 'SIGTERM');
      const code = victim.child.exitCode;
      const exitMs = Date.now() - started;
      const fresh = await rig.cluster.startNode();
      rig.onNode(fresh);
      rig.live.push(fresh);
      rig.balancer.setTargets(rig.live.map((n) => n.port));
      return `node :${victim.port} ${kind === 'sigterm' ? `drained in ${exitMs} ms (exit ${code})` : 'killed'}; :${fresh.port} started`;
    }
    case 'redis': {
      await rig.redis.kill();
      await pause(3_000);
      await rig.redis.restart();
      return 'Redis SIGKILLed, down 3 s, restarted with its AOF';
    }
    case 'postgres': {
      rig.postgres.refuse();
      await pause(20_000);
      rig.postgres.accept();
      return 'Postgres refused every connection for 20 s';
    }
  }
}
