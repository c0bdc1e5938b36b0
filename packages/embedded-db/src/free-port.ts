import { createServer } from "node:net";

/**
 * Asks the kernel for a currently free TCP port on the loopback interface by binding port 0 and
 * closing the socket again.
 *
 * There is an unavoidable race: another process may take the port between our close() and the
 * database's own bind. Callers must therefore be ready to retry with another port (see
 * ferretdb-process.ts), which is why this returns a plain number instead of a held socket.
 */
export function findFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error(`could not determine a free port on ${host}`));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
