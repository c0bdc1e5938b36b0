import type { TestDnsServer } from "@org-service/core/testing";
import { expect } from "vitest";
import type { httpClient } from "./http";

/**
 * An owner's organization comes to hold `domain` the way any would: it claims it, the test
 * publishes the claim's TXT record in its DNS server (which the service asks through
 * DNS_SERVERS), and the owner verifies it.
 */
export async function verifyDomainOverHttp(
  call: ReturnType<typeof httpClient>,
  owner: { readonly token: string },
  domain: string,
  dns: TestDnsServer,
): Promise<void> {
  const claimed = await call("POST", "/org/domains", { token: owner.token, json: { domain } });
  expect(claimed.status, claimed.text).toBe(201);
  dns.setTxt(claimed.json.record.name, [claimed.json.record.value]);
  const verified = await call("POST", `/org/domains/${domain}/verify`, { token: owner.token });
  expect(verified.status, verified.text).toBe(200);
}
