/**
 * Machine clients over HTTP under load: the token endpoint (`POST /oauth/token`, the client
 * credentials grant, the client's secret checked) and the platform search
 * (`GET /platform/organizations?query=…`) with a platform client's token.
 */
import { call, signUp } from "./data-load";
import { log } from "./common";
import { type ChildServer, type LoadResult, measureLoad } from "./load";

/** How a run is made: the service, its length, and where the database's CPU time is read. */
export interface ClientRunOptions {
  readonly service: ChildServer;
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly databaseDir?: string | undefined;
}

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

/** An access token from the token endpoint for this client (200 expected). */
export async function clientToken(service: ChildServer, clientId: string, secret: string): Promise<string> {
  const answer = (await call(
    `${service.url}/oauth/token`,
    {
      method: "POST",
      headers: { ...FORM, authorization: basic(clientId, secret) },
      body: "grant_type=client_credentials",
    },
    200,
  )) as { access_token: string };
  return answer.access_token;
}

/**
 * An organization signed up through the API, `clients` machine clients of it (`POST /org/clients`,
 * scope data:read), then `POST /oauth/token` with Basic authentication under load, the clients
 * taking the requests in turn. Only right secrets are sent.
 */
export async function measureTokenEndpoint(
  options: ClientRunOptions & { readonly clients: number; readonly runId: string },
): Promise<LoadResult> {
  const { service, runId } = options;
  const { token } = await signUp(service, `Token Load ${runId}`, `token-load-${runId}@bench.example`);
  const credentials: string[] = [];
  for (let i = 0; i < options.clients; i++) {
    const created = (await call(
      `${service.url}/org/clients`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        json: { name: `bench ${i}`, scopes: ["data:read"] },
      },
      201,
    )) as { client_id: string; client_secret: string };
    // Each works before the load starts.
    await clientToken(service, created.client_id, created.client_secret);
    credentials.push(basic(created.client_id, created.client_secret));
  }
  log(`token endpoint: ${options.clients} client(s) of one organization, ${options.connections} connections`);
  let next = 0;
  return measureLoad(
    `${service.url}/oauth/token`,
    options.connections,
    options.seconds,
    options.warmupSeconds,
    {
      method: "POST",
      headers: FORM,
      body: () => "grant_type=client_credentials",
      headersPerRequest: () => ({ authorization: credentials[next++ % credentials.length]! }),
    },
    { server: service, databaseDir: options.databaseDir },
  );
}

/**
 * `GET /platform/organizations?query=<query>` with a platform client's token under load; first
 * one request, whose number of organizations found is returned with the figures.
 */
export async function measurePlatformSearch(
  options: ClientRunOptions & { readonly token: string; readonly query: string },
): Promise<{ found: number; result: LoadResult }> {
  const { service, token, query } = options;
  const url = `${service.url}/platform/organizations?${new URLSearchParams({ query })}`;
  const headers = { authorization: `Bearer ${token}` };
  const page = (await call(url, { headers }, 200)) as { organizations: unknown[] };
  const found = page.organizations.length;
  log(`platform search: "${query}" finds ${found} organizations`);
  const result = await measureLoad(
    url,
    options.connections,
    options.seconds,
    options.warmupSeconds,
    { headers },
    {
      server: service,
      databaseDir: options.databaseDir,
    },
  );
  return { found, result };
}
