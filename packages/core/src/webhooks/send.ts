import { guardedRequest, type SendOptions } from "../outbound/guarded-request";

/**
 * One webhook delivery attempt: a POST of the signed JSON body through the SSRF-guarded request
 * (outbound/guarded-request.ts). Only the first kilobyte of the answer is kept, to be shown.
 */

export { checkTargetUrl, isRefusedAddress, type SendOptions } from "../outbound/guarded-request";

export interface Delivery {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type SendResult =
  | { outcome: "answered"; status: number; body: string; durationMs: number }
  | { outcome: "refused"; reason: string; durationMs: number }
  | { outcome: "failed"; reason: string; durationMs: number };

const MAX_ANSWER_BYTES = 1024;
const USER_AGENT = "org-service-webhooks";
/** Set by the delivery itself: the caller's versions (in any letter case) are dropped. */
const OWN_HEADERS = new Set(["content-type", "user-agent"]);

export async function sendWebhook(delivery: Delivery, options: SendOptions): Promise<SendResult> {
  const headers = Object.fromEntries(
    Object.entries(delivery.headers).filter(([name]) => !OWN_HEADERS.has(name.toLowerCase())),
  );
  const result = await guardedRequest(
    {
      url: delivery.url,
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": USER_AGENT },
      body: delivery.body,
      maxAnswerBytes: MAX_ANSWER_BYTES,
      tooLarge: "truncate",
    },
    options,
  );
  if (result.outcome !== "answered") return result;
  return { outcome: "answered", status: result.status, body: result.body, durationMs: result.durationMs };
}
