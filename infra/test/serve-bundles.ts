/**
 * Serves every route from its deployed bundle: the local server's API Gateway (routing, the JWT
 * authorizer, payload v2 events) in front of the very files `sst deploy` uploads, so a test can
 * drive the bundles over HTTP. Run by bundle.test.ts with tsx, configured through the environment.
 *
 * Argument: a JSON object mapping each handler name to its bundle's entry file.
 * Prints the server's URL on stdout once it listens.
 */
import { pathToFileURL } from "node:url";
import { startLocalServer } from "@org-service/local";

const bundles = JSON.parse(process.argv[2] ?? "{}") as Record<string, string>;
const server = await startLocalServer({
  port: 0,
  handlerModule: (route) => {
    const file = bundles[route.handler];
    if (!file) throw new Error(`no bundle for ${route.handler}`);
    return pathToFileURL(file).href;
  },
});
process.stdout.write(`${server.url}\n`);
