// Test helper: a local HTTP receiver that records every connection and request it gets.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedRequest = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

export type Receiver = {
  url: string;
  port: number;
  /** Sockets opened to the receiver: 0 proves nothing was even attempted. */
  connections: number;
  requests: ReceivedRequest[];
  close(): Promise<void>;
};

type Handler = (req: ReceivedRequest, res: http.ServerResponse) => void;

/** Starts a receiver on `host` (127.0.0.1 by default); `handler` answers, default 200 "ok". */
export async function startReceiver(handler?: Handler, host = '127.0.0.1'): Promise<Receiver> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.requests.push(received);
      if (handler) handler(received, res);
      else res.end('ok');
    });
  });
  server.on('connection', () => receiver.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/hook`,
    port,
    connections: 0,
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}
