import { createServer } from 'node:net';

/** Whether another process listens on host:port: one try at binding it, released at once. */
export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(true) : reject(err)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}
