import type { CustomFetch } from "openid-client";
import { config } from "../config";
import { guardedRequest, type SendOptions } from "../outbound/guarded-request";

/**
 * Every request the service makes to an identity provider (discovery, its keys, the code exchange)
 * goes through the SSRF guard webhooks use (outbound/guarded-request.ts): resolved once, every
 * address checked, connected to the checked address, no redirect followed, within a deadline and a
 * bound on the answer. An organization's admin chooses the issuer URL; without the guard it would
 * be a way to make the service fetch its own network's addresses.
 */

/** A discovery document, a key set or a token answer: far below this. */
const MAX_ANSWER_BYTES = 256 * 1024;
const TIMEOUT_MS = 5_000;
const USER_AGENT = "org-service-sso";

/** Where tests point the guard: a resolver they control and a hook that sees every connection. */
export type ProviderNetwork = Pick<SendOptions, "resolve" | "onConnect">;
let network: ProviderNetwork = {};

/** For tests: the resolver and connect hook of every provider request from now on (undefined: the system's). */
export function useProviderNetwork(next: ProviderNetwork | undefined): void {
  network = next ?? {};
}

/** A provider could not be reached, or answered past the bounds; the reason names no address or secret. */
export class ProviderUnreachableError extends Error {
  override readonly name = "ProviderUnreachableError";
}

/** The `fetch` openid-client makes its requests with. */
export const providerFetch: CustomFetch = async (url, options) => {
  const body = options.body;
  if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof URLSearchParams)) {
    // openid-client sends forms and JSON as text; anything else is not a request this service makes.
    throw new ProviderUnreachableError("unexpected request body");
  }
  const headers: Record<string, string> = { "user-agent": USER_AGENT };
  for (const [name, value] of Object.entries(options.headers)) headers[name] = value;
  const result = await guardedRequest(
    {
      url,
      method: options.method === "POST" ? "POST" : "GET",
      headers,
      body: body === undefined || body === null ? undefined : body.toString(),
      maxAnswerBytes: MAX_ANSWER_BYTES,
      tooLarge: "fail",
    },
    { allowPrivateTargets: config().sso.allowPrivateIssuers, timeoutMs: TIMEOUT_MS, ...network },
  );
  if (result.outcome !== "answered") {
    throw new ProviderUnreachableError(`the identity provider was not reached: ${result.reason}`);
  }
  const answerHeaders = new Headers();
  for (const [name, value] of Object.entries(result.headers)) {
    if (value === undefined) continue;
    for (const each of Array.isArray(value) ? value : [value]) answerHeaders.append(name, each);
  }
  // A status that may carry no body must be given none, or Response refuses it.
  const bodyless = result.status === 204 || result.status === 304 || result.status < 200;
  return new Response(bodyless ? null : result.body, { status: result.status, headers: answerHeaders });
};
