import { afterAll, beforeAll } from "vitest";
import { resetConfig } from "../../src";
import { startTestDnsServer, type TestDnsServer } from "./dns-server";

/**
 * A test file's own DNS server (dns-server.ts), the service's resolver pointed at it (DNS_SERVERS)
 * for the file's tests, and both undone after them. Answers the server once it runs.
 */
export function useTestDnsServer(): () => TestDnsServer {
  let dns: TestDnsServer | undefined;
  beforeAll(async () => {
    dns = await startTestDnsServer();
    process.env.DNS_SERVERS = dns.address;
    resetConfig();
  });
  afterAll(async () => {
    delete process.env.DNS_SERVERS;
    resetConfig();
    await dns?.close();
  });
  return () => {
    if (!dns) throw new Error("the test DNS server is not running yet");
    return dns;
  };
}
