/**
 * Child process: the floor for GET /org/get — a bare node:http server doing the same indexed
 * findOne (by slug, visible records only, same projection) through the same driver with the
 * service's pool settings, and nothing else: no API Gateway event, no Middy, no zod.
 *
 * And the floor of the document API, on a tenant collection named in the path (no
 * authentication, no organization lookup, no checks, no quota): `POST /data/<collection>` inserts
 * the body, `GET /data/<collection>/<id>` finds one by `_id`, `GET /data/<collection>?filter=&limit=`
 * finds the filter's documents in `_id` order — the driver calls the service makes for them.
 * With `x-floor-reads: <session id> <organization id>`, a data route first makes the two reads the
 * service makes before it (the session by `_id`, the organization by `_id`, sent together, with
 * the service's filters and projections) and answers 401 if either finds nothing: the service's
 * database work, without its code.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadMongo } from "../lib/common";
import { slugify } from "../../packages/core/src/slug";
import { CLIENT_OPTIONS } from "../../packages/core/src/db/client";
import { sessionCheckProjection } from "../../packages/core/src/auth/authenticate";
import { organizationProjection } from "../../packages/core/src/organizations/model";
import { VISIBLE } from "../../packages/core/src/organizations/steps";

const { MongoClient, ObjectId } = await loadMongo();
// The service's own client options, so that only the stack above the driver differs.
const client = new MongoClient(process.env.MONGODB_URI!, { ...CLIENT_OPTIONS, appName: "org-service-bench-floor" });
await client.connect();
const master = client.db(process.env.MONGODB_MASTER_DB!);
const organizations = master.collection("organizations");
const sessions = master.collection("sessions");
const tenants = client.db(process.env.MONGODB_TENANT_DB!);

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The service's reads before a data operation, if the request asks for them: whether both found their record. */
async function serviceReads(request: IncomingMessage): Promise<boolean> {
  const header = request.headers["x-floor-reads"];
  if (typeof header !== "string") return true;
  const [sessionId = "", organizationId = ""] = header.split(" ");
  const [session, organization] = await Promise.all([
    sessions.findOne({ _id: new ObjectId(sessionId) }, { projection: sessionCheckProjection }),
    organizations.findOne({ _id: new ObjectId(organizationId), ...VISIBLE }, { projection: organizationProjection }),
  ]);
  return session !== null && organization !== null;
}

async function data(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const [, , name, id] = url.pathname.split("/").map(decodeURIComponent);
  if (!(await serviceReads(request))) {
    json(response, 401, { status: 401 });
    return;
  }
  const collection = tenants.collection<{ _id: string }>(name!);
  if (request.method === "POST") {
    const document = JSON.parse(await readBody(request)) as { _id: string };
    await collection.insertOne(document);
    json(response, 201, document);
    return;
  }
  if (id !== undefined) {
    const document = await collection.findOne({ _id: id });
    json(response, document ? 200 : 404, document ?? { status: 404 });
    return;
  }
  const limit = Number(url.searchParams.get("limit") ?? 50);
  const documents = await collection
    .find(JSON.parse(url.searchParams.get("filter") ?? "{}"))
    .sort({ _id: 1 })
    .limit(limit + 1)
    .toArray();
  json(response, 200, { documents: documents.slice(0, limit) });
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://localhost");
  if (url.pathname.startsWith("/data/")) {
    data(request, response, url).catch(() => response.writeHead(500).end());
    return;
  }
  const name = url.searchParams.get("organization_name") ?? "";
  organizations
    .findOne({ slug: slugify(name), ...VISIBLE }, { projection: organizationProjection })
    .then((document) => {
      if (!document) return response.writeHead(404, { "content-type": "application/json" }).end('{"status":404}');
      const body = JSON.stringify({
        organization_id: document._id.toHexString(),
        organization_name: document.name,
        collection_name: document.collection_name,
        created_at: (document.created_at as Date).toISOString(),
        updated_at: (document.updated_at as Date).toISOString(),
      });
      response.writeHead(200, { "content-type": "application/json" }).end(body);
    })
    .catch(() => response.writeHead(500).end());
});
server.keepAliveTimeout = 5_000;
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await client.close().catch(() => undefined);
  process.exit(0);
}
// The benchmark asks for this process's CPU time around each timed run.
process.on("message", (message) => {
  if (message === "cpu") process.send?.({ cpu: process.cpuUsage() });
});
process.on("disconnect", () => void stop());
process.on("SIGTERM", () => void stop());
