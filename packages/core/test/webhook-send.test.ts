import http from "node:http";
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { checkTargetUrl, sendWebhook } from "../src/webhooks/send";

/**
 * One webhook delivery attempt, against loopback servers only: for the other targets the resolver
 * is a stub and the `onConnect` hook (plus a spy on every socket connect) proves no connection starts.
 */

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  server: http.Server;
  port: number;
  received: Received[];
}

async function startServer(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as net.AddressInfo).port, received };
}

let receiver: TestServer;
let redirector: TestServer;
let redirectTarget: TestServer;
let silent: TestServer;

beforeAll(async () => {
  receiver = await startServer((_req, res) => {
    res.writeHead(201, { "content-type": "text/plain" });
    res.end("x".repeat(5000));
  });
  redirectTarget = await startServer((_req, res) => res.end("moved here"));
  redirector = await startServer((_req, res) => {
    res.writeHead(302, { location: `http://127.0.0.1:${redirectTarget.port}/elsewhere` });
    res.end("see elsewhere");
  });
  silent = await startServer(() => undefined); // never answers
});

afterAll(async () => {
  for (const { server } of [receiver, redirector, redirectTarget, silent]) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A resolver answering from a table, for names that must never reach real DNS. */
const resolverOf =
  (table: Record<string, { address: string; family: 4 | 6 }[]>) =>
  async (hostname: string): Promise<{ address: string; family: 4 | 6 }[]> => {
    const found = table[hostname];
    if (!found) throw Object.assign(new Error(`unexpected lookup of ${hostname}`), { code: "ENOTFOUND" });
    return found;
  };

const v4 = (address: string) => ({ address, family: 4 as const });
const v6 = (address: string) => ({ address, family: 6 as const });

/** Records every onConnect call and every socket connect, so a test can assert none happened. */
function watchConnections(throwOnConnect?: Error) {
  const calls: [string, number][] = [];
  const socketConnects = vi.spyOn(net.Socket.prototype, "connect");
  const onConnect = (address: string, port: number) => {
    calls.push([address, port]);
    if (throwOnConnect) throw throwOnConnect;
  };
  return { calls, socketConnects, onConnect };
}

const delivery = (url: string) => ({
  url,
  headers: { "webhook-id": "msg_1", "webhook-signature": "v1,c2VjcmV0" },
  body: JSON.stringify({ type: "member.added", data: { id: "m1" } }),
});

describe("sendWebhook to loopback with private targets allowed", () => {
  it("POSTs the headers and body to the checked address and reads the first 1024 bytes of the answer", async () => {
    const { calls, socketConnects, onConnect } = watchConnections();
    const sent = delivery(`http://receiver.test:${receiver.port}/hooks/in?tenant=t1`);
    // The name exists only in the stub: reaching the server proves the pinned address is used (no second lookup).
    const result = await sendWebhook(sent, {
      allowPrivateTargets: true,
      resolve: resolverOf({ "receiver.test": [v4("127.0.0.1")] }),
      onConnect,
    });

    expect(result).toMatchObject({ outcome: "answered", status: 201 });
    if (result.outcome !== "answered") throw new Error("unreachable");
    expect(result.body).toBe("x".repeat(1024));
    expect(result.body.length).toBe(1024);
    expect(calls).toEqual([["127.0.0.1", receiver.port]]);
    // The spy the refusal tests rely on does see real connects.
    expect(socketConnects).toHaveBeenCalled();

    const request = receiver.received.at(-1)!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/hooks/in?tenant=t1");
    expect(request.body).toBe(sent.body);
    expect(request.headers).toMatchObject({
      host: `receiver.test:${receiver.port}`,
      "content-type": "application/json",
      "user-agent": "org-service-webhooks",
      "webhook-id": "msg_1",
      "webhook-signature": "v1,c2VjcmV0",
    });
  });

  it("does not follow a redirect: a 3xx is the answer", async () => {
    const result = await sendWebhook(delivery(`http://127.0.0.1:${redirector.port}/hook`), {
      allowPrivateTargets: true,
    });
    expect(result).toMatchObject({ outcome: "answered", status: 302, body: "see elsewhere" });
    expect(redirector.received).toHaveLength(1);
    expect(redirectTarget.received).toHaveLength(0);
  });

  it("gives up on a target that never answers once the timeout has passed", async () => {
    const started = Date.now();
    const result = await sendWebhook(delivery(`http://127.0.0.1:${silent.port}/hook`), {
      allowPrivateTargets: true,
      timeoutMs: 300,
    });
    expect(result).toMatchObject({ outcome: "failed", reason: "timed out after 300 ms" });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(silent.received).toHaveLength(1);
  });

  it("gives up on a resolver that never answers, without connecting", async () => {
    const { calls, socketConnects, onConnect } = watchConnections();
    const result = await sendWebhook(delivery("https://slow.test/hook"), {
      allowPrivateTargets: true,
      timeoutMs: 100,
      resolve: () => new Promise(() => undefined),
      onConnect,
    });
    expect(result).toMatchObject({ outcome: "failed", reason: "timed out after 100 ms" });
    expect(calls).toHaveLength(0);
    expect(socketConnects).not.toHaveBeenCalled();
  });

  it("reports a refused connection without quoting the target", async () => {
    // A port just released by a server of our own: nothing listens there.
    const closed = await startServer(() => undefined);
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const result = await sendWebhook(delivery(`http://127.0.0.1:${closed.port}/hook?token=secret`), {
      allowPrivateTargets: true,
    });
    expect(result).toMatchObject({ outcome: "failed", reason: "connection refused" });
  });
});

describe("sendWebhook's guard with private targets not allowed", () => {
  const refusedAddresses = [
    v4("10.0.0.5"),
    v4("127.0.0.1"),
    v4("169.254.169.254"),
    v6("::1"),
    v6("::ffff:10.0.0.1"),
    v6("fd00:ec2::254"),
    v4("100.64.0.1"),
    v4("0.0.0.0"),
    v6("::"),
    v6("fe80::1"),
    v4("192.168.1.1"),
    v4("172.16.0.1"),
    v4("224.0.0.1"),
    v4("255.255.255.255"),
    v4("240.0.0.1"),
    v6("64:ff9b::127.0.0.1"),
    v6("64:ff9b::a9fe:a9fe"),
    v6("2002:a00:1::1"),
    v6("ff02::1"),
  ];

  it.each(refusedAddresses)("refuses a name resolving to $address, and never connects", async (resolved) => {
    const { calls, socketConnects, onConnect } = watchConnections(new Error("must not connect"));
    const result = await sendWebhook(delivery("https://hooks.example.test/in"), {
      allowPrivateTargets: false,
      resolve: resolverOf({ "hooks.example.test": [resolved] }),
      onConnect,
    });
    expect(result).toMatchObject({
      outcome: "refused",
      reason: "the target resolves to a private, loopback or link-local address",
    });
    // The private address is not echoed back.
    if (result.outcome === "refused") expect(result.reason).not.toContain(resolved.address);
    expect(calls).toHaveLength(0);
    expect(socketConnects).not.toHaveBeenCalled();
  });

  it("refuses a name resolving to a public and a private address", async () => {
    const { calls, socketConnects, onConnect } = watchConnections(new Error("must not connect"));
    const result = await sendWebhook(delivery("https://mixed.example.test/in"), {
      allowPrivateTargets: false,
      resolve: resolverOf({ "mixed.example.test": [v4("93.184.216.34"), v4("10.0.0.5")] }),
      onConnect,
    });
    expect(result.outcome).toBe("refused");
    expect(calls).toHaveLength(0);
    expect(socketConnects).not.toHaveBeenCalled();
  });

  it.each([
    "https://127.0.0.1/in",
    "https://[::1]/in",
    "https://[::ffff:10.0.0.1]/in",
    "https://0x7f.1/in",
    "https://localhost/in",
  ])("refuses the literal or loopback target %s without resolving or connecting", async (url) => {
    const { calls, socketConnects, onConnect } = watchConnections(new Error("must not connect"));
    const resolve = vi.fn(resolverOf({}));
    const result = await sendWebhook(delivery(url), { allowPrivateTargets: false, resolve, onConnect });
    expect(result.outcome).toBe("refused");
    expect(resolve).not.toHaveBeenCalled();
    expect(calls).toHaveLength(0);
    expect(socketConnects).not.toHaveBeenCalled();
  });

  it("refuses plain http", async () => {
    const { calls, socketConnects, onConnect } = watchConnections(new Error("must not connect"));
    const result = await sendWebhook(delivery(`http://127.0.0.1:${receiver.port}/in`), {
      allowPrivateTargets: false,
      onConnect,
    });
    expect(result).toMatchObject({ outcome: "refused", reason: "the URL must be an https URL" });
    expect(calls).toHaveLength(0);
    expect(socketConnects).not.toHaveBeenCalled();
    expect(receiver.received.some(({ url }) => url === "/in")).toBe(false);
  });

  it("lets a public address through to the connection, which onConnect stops before any socket connects", async () => {
    const sentinel = new Error("sentinel: stop before connecting");
    const { calls, socketConnects, onConnect } = watchConnections(sentinel);
    const result = await sendWebhook(delivery("https://public.example.test/in?key=secret"), {
      allowPrivateTargets: false,
      resolve: resolverOf({ "public.example.test": [v4("93.184.216.34")] }),
      onConnect,
    });
    expect(result).toMatchObject({ outcome: "failed", reason: "the connection failed" });
    expect(calls).toEqual([["93.184.216.34", 443]]);
    expect(socketConnects).not.toHaveBeenCalled();
  });
});

describe("checkTargetUrl", () => {
  it.each([
    ["https://hooks.example.com/in", false],
    ["https://hooks.example.com:8443/in?tenant=1", false],
    ["https://93.184.216.34/in", false],
    ["https://[2606:2800:220:1:248:1893:25c8:1946]/in", false],
    ["http://localhost:3000/in", true],
    ["http://10.0.0.5/in", true],
  ])("accepts %s (private targets allowed: %s)", (url, allowPrivateTargets) => {
    expect(checkTargetUrl(url, allowPrivateTargets)).toBeUndefined();
  });

  it.each([
    ["hooks.example.com/in", false, "the URL is not a valid absolute URL"],
    ["/in", true, "the URL is not a valid absolute URL"],
    ["ftp://hooks.example.com/in", true, "the URL must be an https URL"],
    ["javascript:alert(1)", true, "the URL must be an https URL"],
    ["http://hooks.example.com/in", false, "the URL must be an https URL"],
    ["https://user:pass@hooks.example.com/in", false, "the URL must not contain credentials"],
    ["https://user@hooks.example.com/in", true, "the URL must not contain credentials"],
    ["https://hooks.example.com/in#part", false, "the URL must not contain a fragment"],
    ["https://hooks.example.com/in#", false, "the URL must not contain a fragment"],
    [`https://hooks.example.com/${"a".repeat(2048)}`, false, "the URL is longer than 2048 characters"],
    [" https://hooks.example.com/in", false, "the URL contains spaces or control characters"],
    ["https://10.0.0.5/in", false, "the URL's host is a private, loopback or link-local address"],
    ["https://169.254.169.254/latest/meta-data", false, "the URL's host is a private, loopback or link-local address"],
    ["https://[fd00:ec2::254]/", false, "the URL's host is a private, loopback or link-local address"],
    ["https://[::ffff:127.0.0.1]/", false, "the URL's host is a private, loopback or link-local address"],
    ["https://2130706433/", false, "the URL's host is a private, loopback or link-local address"],
    ["https://localhost/in", false, "the URL's host is a private, loopback or link-local address"],
  ])("refuses %s (private targets allowed: %s)", (url, allowPrivateTargets, problem) => {
    expect(checkTargetUrl(url, allowPrivateTargets)).toBe(problem);
  });

  it("accepts a URL of exactly 2048 characters", () => {
    const base = "https://hooks.example.com/";
    expect(checkTargetUrl(base + "a".repeat(2048 - base.length), false)).toBeUndefined();
  });
});
