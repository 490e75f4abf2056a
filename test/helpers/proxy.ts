import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  url: string;
  /** Later connections go to this port (a load balancer sending a reconnect to another node). */
  retarget(port: number): void;
  /** Cuts every open connection and refuses new ones (the service behind it is "down"). */
  refuse(): void;
  accept(): void;
  close(): Promise<void>;
}

/** A TCP proxy on port 0 in front of a service, whose target can move and which can refuse connections. */
export async function startProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  let port = target.port;
  let refusing = false;
  const open = new Set<Socket>();
  const server = createServer((inbound) => {
    if (refusing) return void inbound.destroy();
    const outbound = connect(port, host);
    for (const s of [inbound, outbound]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {});
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const own = (server.address() as { port: number }).port;
  const proxy: TcpProxy = {
    port: own,
    url: `http://127.0.0.1:${own}`,
    retarget(p) {
      port = p;
    },
    refuse() {
      refusing = true;
      for (const s of open) s.destroy();
    },
    accept() {
      refusing = false;
    },
    async close() {
      proxy.refuse();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
