/**
 * A stand-in for the service behind the client's `fetch`, for the tests of what the client decides
 * on its own (when to refresh, what to retry, how to read a refusal, which cursor to send). The
 * client against the real service is tested end to end in packages/local.
 */
export type Handler = (request: Request, url: URL) => Response | Promise<Response>;

export const BASE_URL = "https://api.test";

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const problem = typeof body === "object" && body !== null && "type" in body;
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": problem ? "application/problem+json" : "application/json", ...headers },
  });
}

export function fakeService(routes: Record<string, Handler>) {
  const requests: Request[] = [];
  async function fetch(request: Request): Promise<Response> {
    requests.push(request.clone());
    const url = new URL(request.url);
    const handler = routes[`${request.method} ${url.pathname}`];
    if (!handler)
      return json(404, { type: "urn:test:no-route", title: "Not Found", status: 404, detail: url.pathname });
    // A turn of the event loop, as a network would take: concurrent callers really overlap.
    await new Promise((resolve) => setTimeout(resolve, 1));
    return handler(request, url);
  }
  return {
    fetch,
    requests,
    count: (method: string, path: string) =>
      requests.filter((request) => request.method === method && new URL(request.url).pathname === path).length,
  };
}
