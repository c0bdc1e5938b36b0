import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";

/**
 * One HTTP(S) request to an address the service is given by its users (a webhook endpoint, an
 * identity provider), guarded against server-side request forgery: the target's name is resolved
 * once, every address is checked, and the connection goes to the checked address (never a second
 * lookup, so DNS rebinding cannot swap it between the check and the connect). The answer is read
 * up to a bound, within one deadline for the whole attempt.
 */

export interface OutboundRequest {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string | undefined;
  /** How much of the answer is read. */
  maxAnswerBytes: number;
  /** Past maxAnswerBytes: keep what was read (a webhook's answer is only shown) or fail (a document to parse). */
  tooLarge: "truncate" | "fail";
}

export interface SendOptions {
  /** Plain http and private, loopback or link-local targets (local development only). */
  allowPrivateTargets: boolean;
  /** The whole attempt (resolve, connect, send, answer); 10 000 by default. */
  timeoutMs?: number;
  resolve?: (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;
  /** Called right before a socket is created for the connection; a throw aborts the attempt before any packet. */
  onConnect?: (address: string, port: number) => void;
}

/** An answer also carries its headers (a webhook's result does not keep them). */
export type GuardedResult =
  | { outcome: "answered"; status: number; headers: http.IncomingHttpHeaders; body: string; durationMs: number }
  | { outcome: "refused"; reason: string; durationMs: number }
  | { outcome: "failed"; reason: string; durationMs: number };

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_URL_LENGTH = 2048;

const PRIVATE_TARGET = "a private, loopback or link-local address";

/** IPv4 ranges no webhook may reach: [network, prefix length]. */
const REFUSED_V4: [string, number][] = [
  ["0.0.0.0", 8], // "this network", unspecified
  ["10.0.0.0", 8], // RFC 1918
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, the cloud metadata address 169.254.169.254 among them
  ["172.16.0.0", 12], // RFC 1918
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay anycast (deprecated)
  ["192.168.0.0", 16], // RFC 1918
  ["198.18.0.0", 15], // benchmarking, sometimes used as internal space
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, 255.255.255.255 broadcast among them
];

/** IPv6 ranges refused as such (the forms embedding an IPv4 address are derived from REFUSED_V4). */
const REFUSED_V6: [string, number][] = [
  ["::", 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ["100::", 64], // discard-only
  ["2001:db8::", 32], // documentation
  ["2001::", 32], // Teredo, whose client address is an obfuscated IPv4 one
  ["::ffff:0:0:0", 96], // IPv4-translated (SIIT), another form that reaches an IPv4 host
  ["64:ff9b:1::", 48], // local-use NAT64, where the embedded IPv4 address sits at varying offsets
  ["fc00::", 7], // unique local (RFC 4193), fd00:ec2::254 (the EC2 metadata address) among them
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
];

/** Built from tables rather than parsed by hand: node's BlockList does the address arithmetic. */
const refused = (() => {
  const list = new net.BlockList();
  for (const [network, prefix] of REFUSED_V4) {
    list.addSubnet(network, prefix, "ipv4");
    // IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) forms reach the same IPv4 host.
    list.addSubnet(`::ffff:${network}`, 96 + prefix, "ipv6");
    list.addSubnet(`64:ff9b::${network}`, 96 + prefix, "ipv6");
    // 6to4 (2002::/16) carries the IPv4 address in bits 16 to 48; these are our own constants, not input.
    const hex = network.split(".").map((octet) => Number(octet).toString(16).padStart(2, "0"));
    list.addSubnet(`2002:${hex[0]}${hex[1]}:${hex[2]}${hex[3]}::`, 16 + prefix, "ipv6");
  }
  for (const [network, prefix] of REFUSED_V6) list.addSubnet(network, prefix, "ipv6");
  return list;
})();

/** Whether an address (IPv4 or IPv6, as text) is one no webhook may reach; unparseable ones are refused too. */
export function isRefusedAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true;
  try {
    return refused.check(address, family === 6 ? "ipv6" : "ipv4");
  } catch {
    return true;
  }
}

const hasSpaceOrControl = (text: string) => {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return true;
  }
  return false;
};

/** The URL's host without the brackets of an IPv6 literal. */
const bareHostname = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1");

/**
 * A problem with a webhook target URL, as a sentence, or undefined; used at registration and again
 * before each attempt. The sentences never quote the URL (its query may carry a secret).
 */
export function checkTargetUrl(url: string, allowPrivateTargets: boolean): string | undefined {
  if (url.length > MAX_URL_LENGTH) return `the URL is longer than ${MAX_URL_LENGTH} characters`;
  // The URL parser would silently strip these; a URL that needs them stripped is not one to store.
  if (hasSpaceOrControl(url)) return "the URL contains spaces or control characters";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "the URL is not a valid absolute URL";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "the URL must be an https URL";
  if (parsed.protocol === "http:" && !allowPrivateTargets) return "the URL must be an https URL";
  if (parsed.username !== "" || parsed.password !== "") return "the URL must not contain credentials";
  // Any "#" starts a fragment, an empty one included (which `hash` reports as "").
  if (url.includes("#")) return "the URL must not contain a fragment";
  if (!allowPrivateTargets) {
    const host = bareHostname(parsed);
    if (net.isIP(host) !== 0 && isRefusedAddress(host)) return `the URL's host is ${PRIVATE_TARGET}`;
    // RFC 6761: these names are loopback by definition; saying so at registration beats a refusal per attempt.
    if (/(^|\.)localhost\.?$/i.test(host)) return `the URL's host is ${PRIVATE_TARGET}`;
  }
  return undefined;
}

async function defaultResolve(hostname: string): Promise<{ address: string; family: 4 | 6 }[]> {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}

const reasonsByCode: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ECONNABORTED: "connection aborted",
  EPIPE: "the connection closed while sending",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EHOSTDOWN: "host down",
  EADDRNOTAVAIL: "address not available",
  ERR_INVALID_CHAR: "a header name or value is invalid",
  ERR_INVALID_HTTP_TOKEN: "a header name or value is invalid",
  ERR_HTTP_INVALID_HEADER_VALUE: "a header name or value is invalid",
};

/**
 * A short sentence for a connection error. Only the error's code is used: messages can quote
 * addresses, host names or header values.
 */
function describeError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !/^[A-Z0-9_]{1,64}$/.test(code)) return "the connection failed";
  const known = reasonsByCode[code];
  if (known) return known;
  if (code.startsWith("HPE_")) return "the answer is not valid HTTP";
  if (
    /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/.test(code) ||
    code.includes("CERT")
  ) {
    return `TLS error (${code})`;
  }
  return `the connection failed (${code})`;
}

/** Headers the attempt sets itself; the caller's versions (in any letter case) are dropped. */
const OWN_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection"]);

export async function guardedRequest(delivery: OutboundRequest, options: SendOptions): Promise<GuardedResult> {
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timedOut = `timed out after ${timeoutMs} ms`;

  const problem = checkTargetUrl(delivery.url, options.allowPrivateTargets);
  if (problem !== undefined) return { outcome: "refused", reason: problem, durationMs: durationMs() };
  const url = new URL(delivery.url);
  const secure = url.protocol === "https:";
  const hostname = bareHostname(url);
  const port = url.port === "" ? (secure ? 443 : 80) : Number(url.port);

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    let addresses: { address: string; family: number }[];
    const literal = net.isIP(hostname);
    if (literal !== 0) {
      addresses = [{ address: hostname, family: literal }];
    } else {
      try {
        addresses = await untilAborted((options.resolve ?? defaultResolve)(hostname), deadline.signal);
      } catch {
        // The resolver's error is not quoted: it names the host.
        if (deadline.signal.aborted) return { outcome: "failed", reason: timedOut, durationMs: durationMs() };
        return { outcome: "failed", reason: "the target's host name does not resolve", durationMs: durationMs() };
      }
      if (addresses.length === 0) {
        return { outcome: "failed", reason: "the target's host name does not resolve", durationMs: durationMs() };
      }
    }

    // Every address is checked, not only the one used: a name answering with a public and a private
    // address is someone trying their luck.
    if (!options.allowPrivateTargets && addresses.some(({ address }) => isRefusedAddress(address))) {
      const reason = literal !== 0 ? `the target is ${PRIVATE_TARGET}` : `the target resolves to ${PRIVATE_TARGET}`;
      return { outcome: "refused", reason, durationMs: durationMs() };
    }
    const first = addresses[0]!;
    const family = net.isIP(first.address);
    if (family === 0) {
      return { outcome: "refused", reason: "the target resolves to an invalid address", durationMs: durationMs() };
    }

    return await attempt({
      delivery,
      url,
      secure,
      hostname,
      literal: literal !== 0,
      address: first.address,
      family,
      port,
      onConnect: options.onConnect,
      signal: deadline.signal,
      timedOut,
      durationMs,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** The promise, or a rejection as soon as the signal aborts (the work itself may go on, unheeded). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("aborted"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

interface Attempt {
  delivery: OutboundRequest;
  url: URL;
  secure: boolean;
  hostname: string;
  literal: boolean;
  address: string;
  family: number;
  port: number;
  onConnect: SendOptions["onConnect"];
  signal: AbortSignal;
  timedOut: string;
  durationMs: () => number;
}

function attempt(a: Attempt): Promise<GuardedResult> {
  return new Promise<GuardedResult>((resolveResult) => {
    // The connection goes to the checked address whatever name the socket is given.
    const pinnedLookup: net.LookupFunction = (_hostname, lookupOptions, callback) => {
      process.nextTick(() => {
        if (lookupOptions.all) callback(null, [{ address: a.address, family: a.family }]);
        else callback(null, a.address, a.family);
      });
    };

    // A fresh agent per attempt: no pooled socket from an earlier attempt (to an earlier address) is
    // reused, and its createConnection is the one place every socket of this request is created.
    const agent = a.secure ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false });
    const createConnection = agent.createConnection.bind(agent);
    agent.createConnection = (connectOptions, oncreate) => {
      try {
        a.onConnect?.(a.address, a.port);
      } catch (error) {
        // Reported through the agent's callback, so the request fails with it and no socket exists.
        oncreate?.(error instanceof Error ? error : new Error("onConnect refused the connection"), undefined as never);
        return undefined;
      }
      return createConnection({ ...connectOptions, lookup: pinnedLookup }, oncreate);
    };

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(a.delivery.headers)) {
      if (!OWN_HEADERS.has(name.toLowerCase())) headers[name] = value;
    }
    headers.host = a.url.host;
    if (a.delivery.body !== undefined) headers["content-length"] = String(Buffer.byteLength(a.delivery.body));

    let settled = false;
    let request: http.ClientRequest | undefined;
    let response: http.IncomingMessage | undefined;
    const settle = (
      result:
        | { outcome: "answered"; status: number; headers: http.IncomingHttpHeaders; body: string }
        | { outcome: "failed"; reason: string },
    ) => {
      if (settled) return;
      settled = true;
      a.signal.removeEventListener("abort", onAbort);
      // Whatever is still open goes: the rest of the answer is not downloaded.
      response?.destroy();
      request?.destroy();
      agent.destroy();
      resolveResult({ ...result, durationMs: a.durationMs() });
    };
    const onAbort = () => settle({ outcome: "failed", reason: a.timedOut });
    if (a.signal.aborted) return onAbort();
    a.signal.addEventListener("abort", onAbort, { once: true });

    try {
      request = (a.secure ? https : http).request({
        method: a.delivery.method,
        protocol: a.url.protocol,
        hostname: a.hostname,
        port: a.port,
        path: `${a.url.pathname}${a.url.search}`,
        headers,
        agent,
        lookup: pinnedLookup,
        // SNI and certificate checks are for the name; an IP literal is checked against the certificate
        // as an address (RFC 6066 forbids literals in SNI).
        ...(a.secure && !a.literal ? { servername: a.hostname.replace(/\.$/, "") } : {}),
      });
    } catch (error) {
      settle({ outcome: "failed", reason: describeError(error) });
      return;
    }

    request.on("error", (error) => settle({ outcome: "failed", reason: describeError(error) }));
    request.on("response", (res) => {
      response = res;
      const chunks: Buffer[] = [];
      let received = 0;
      const limit = a.delivery.maxAnswerBytes;
      const answered = () => {
        const body = Buffer.concat(chunks).subarray(0, limit).toString("utf8");
        settle({ outcome: "answered", status: res.statusCode ?? 0, headers: res.headers, body });
      };
      res.on("data", (chunk: Buffer) => {
        if (settled) return;
        chunks.push(chunk);
        received += chunk.length;
        if (received <= limit) return;
        if (a.delivery.tooLarge === "truncate") answered();
        else settle({ outcome: "failed", reason: `the answer is larger than ${limit} bytes` });
      });
      res.on("end", answered);
      res.on("error", () => undefined); // the "close" below reports it
      res.on("close", () => settle({ outcome: "failed", reason: "the connection closed before the answer ended" }));
    });
    request.end(a.delivery.body);
  });
}
