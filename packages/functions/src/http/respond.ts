import type { HttpResult } from "./endpoint";

/** A JSON response. `no-store` by default: these answers are per caller and may carry tokens. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}
