/**
 * Child process: the local server (`startLocalServer`, API Gateway emulation + the handlers) on a
 * free port, against the database named by the environment. Reports its URL over IPC and stops
 * when the parent disconnects (or dies).
 */
import { closeDatabase } from "../../packages/core/src/index";
import { startLocalServer } from "../../packages/local/src/server";

const server = await startLocalServer({ port: 0 });
process.send?.({ url: server.url });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.close().catch(() => undefined);
  // Requests the load generator left in flight when its run ended finish first.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await closeDatabase().catch(() => undefined);
  process.exit(0);
}
// The benchmark asks for this process's CPU time around each timed run.
process.on("message", (message) => {
  if (message === "cpu") process.send?.({ cpu: process.cpuUsage() });
});
process.on("disconnect", () => void stop());
process.on("SIGTERM", () => void stop());
