import { Webhook } from "standardwebhooks";

/**
 * The Standard Webhooks headers of one delivery: `webhook-id` (the event's id, the same on every
 * attempt), `webhook-timestamp` (seconds) and `webhook-signature`, one `v1,<HMAC-SHA256>` over
 * `id.timestamp.body` per secret that signs now (two during a rotation), by the reference library.
 */
export function signedHeaders(
  eventId: string,
  body: string,
  secrets: readonly string[],
  at: Date,
): Record<string, string> {
  return {
    "webhook-id": eventId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": secrets.map((secret) => new Webhook(secret).sign(eventId, at, body)).join(" "),
  };
}
