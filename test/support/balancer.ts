/**
 * A round-robin TCP load balancer for fleet tests: each new connection goes to the next backend; a
 * backend that refuses the connection (a killed replica) is skipped for the next one, as a real balancer's
 * health checks would. Counts the connections each backend took.
 */
import net from 'node:net';

export interface Balancer {
  readonly port: number;
  readonly url: string;
  /** Connections each backend took, in the order of `backends`. */
  readonly served: number[];
  close(): Promise<void>;
}

export async function startBalancer(backends: number[]): Promise<Balancer> {
  let next = 0;
  const served = backends.map(() => 0);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.pause();
    const attempt = (tries: number): void => {
      if (tries >= backends.length) {
        client.destroy();
        return;
      }
      const i = next++ % backends.length;
      const upstream = net.connect(backends[i]!, '127.0.0.1');
      let connected = false;
      upstream.once('error', () => {
        if (!connected) attempt(tries + 1);
        else client.destroy();
      });
      upstream.once('connect', () => {
        connected = true;
        served[i]!++;
        sockets.add(upstream);
        upstream.on('close', () => { sockets.delete(upstream); client.destroy(); });
        client.on('close', () => upstream.destroy());
        client.on('error', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    served,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
