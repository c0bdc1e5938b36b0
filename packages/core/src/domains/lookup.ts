import { Resolver } from "node:dns/promises";
import { config } from "../config";

/**
 * What a TXT lookup found: the records (each one's strings joined, as RFC 7208 §3.3 reads a long
 * record), that there are none (`missing`: the name does not exist, NXDOMAIN, or has no TXT
 * record, NODATA — an answer about the domain), or that DNS gave no answer (`failed`: a timeout,
 * SERVFAIL, a refusal — nothing learnt about the domain).
 */
export type TxtLookup =
  | { readonly kind: "found"; readonly values: readonly string[] }
  | { readonly kind: "missing" }
  | { readonly kind: "failed"; readonly code: string };

/** c-ares's codes for an authoritative "no such record": NXDOMAIN and NODATA. Any other error is a failure of DNS. */
const ANSWERED_NONE = new Set(["ENOTFOUND", "ENODATA"]);

/**
 * The TXT records of `name`, asked of DNS_SERVERS (else the system's resolvers) with node:dns's
 * own resolver — a real lookup, in tests against a DNS server of the test's. Bounded by
 * DNS_TIMEOUT_MILLISECONDS retries included: each try waits a quarter of it (c-ares waits longer
 * for the second), and past it the lookup is cancelled, so a verification never outlives its
 * request. Never throws: what went wrong is in the answer.
 */
export async function lookupTxt(name: string): Promise<TxtLookup> {
  const { servers, timeoutMs } = config().dns;
  const resolver = new Resolver({ timeout: Math.max(25, Math.floor(timeoutMs / 4)), tries: 2 });
  if (servers) resolver.setServers(servers);
  const guard = setTimeout(() => resolver.cancel(), timeoutMs);
  try {
    const records = await resolver.resolveTxt(name);
    return { kind: "found", values: records.map((chunks) => chunks.join("")) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "EUNKNOWN";
    return ANSWERED_NONE.has(code) ? { kind: "missing" } : { kind: "failed", code };
  } finally {
    clearTimeout(guard);
  }
}
