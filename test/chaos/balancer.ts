import { connect, createServer, type Socket } from 'node:net';

/**
 * The chaos run's load balancer: a TCP proxy on port 0 that sends each new connection to the next
 * healthy hub, round robin. Health is `GET /readyz` every `checkMs` (a draining node answers 503
 * and leaves the rotation at once, as behind nginx or a cloud balancer); a connection a target
 * refuses goes to the next one. Open connections are never moved: a dead node's clients see their
 * connection drop and reconnect through here.
 */
export interface Balancer {
  url: string;
  setTargets(ports: number[]): void;
  /** Ports in rotation now. */
  healthy(): number[];
  close(): Promise<void>;
}

export async function startBalancer(opts: { checkMs?: number } = {}): Promise<Balancer> {
  let targets: number[] = [];
  const health = new Map<number, boolean>();
  let next = 0;
  const open = new Set<Socket>();

  const rotation = () => targets.filter((p) => health.get(p));
  const pipeTo = (inbound: Socket, candidates: number[], attempt: number) => {
    if (attempt >= candidates.length) return void inbound.destroy();
    const port = candidates[(next + attempt) % candidates.length]!;
    const outbound = connect(port, '127.0.0.1');
    outbound.on('error', () => {});
    outbound.once('connect', () => {
      next++;
      open.add(outbound);
      outbound.on('close', () => open.delete(outbound));
      inbound.pipe(outbound).pipe(inbound);
      inbound.resume();
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    outbound.once('error', () => {
      if (!outbound.connecting) return; // after connecting: 'close' cleans up
      pipeTo(inbound, candidates, attempt + 1);
    });
  };
  const server = createServer({ pauseOnConnect: true }, (inbound) => {
    open.add(inbound);
    inbound.on('close', () => open.delete(inbound));
    inbound.on('error', () => {});
    pipeTo(inbound, rotation(), 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  const check = async () => {
    await Promise.all(
      targets.map(async (p) => {
        const ok = await fetch(`http://127.0.0.1:${p}/readyz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
        health.set(p, ok);
      }),
    );
  };
  let checking = true;
  const loop = (async () => {
    while (checking) {
      await check();
      await new Promise((r) => setTimeout(r, opts.checkMs ?? 250));
    }
  })();

  return {
    url: `http://127.0.0.1:${port}`,
    setTargets(ports) {
      targets = [...ports];
      for (const p of health.keys()) if (!targets.includes(p)) health.delete(p);
    },
    healthy: rotation,
    async close() {
      checking = false;
      await loop;
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
