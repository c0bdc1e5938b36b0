import { createPlatformClient, type Scope } from "@org-service/core";
import { expect } from "vitest";
import type { httpClient } from "./http";

let sequence = 0;

/**
 * A platform client with these scopes (made as the operator's command makes one), and a token of it
 * from the token endpoint; its secret too, for the package's client to get tokens of its own.
 */
export async function platformToken(
  call: ReturnType<typeof httpClient>,
  scopes: Scope[] = ["platform:read", "platform:write"],
): Promise<{ clientId: string; clientSecret: string; token: string }> {
  const client = await createPlatformClient({ name: `console ${Date.now().toString(36)}${++sequence}`, scopes });
  const granted = await call("POST", "/oauth/token", {
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: client.clientId,
      client_secret: client.secret.secret,
    }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  expect(granted.status, granted.text).toBe(200);
  return { clientId: client.clientId, clientSecret: client.secret.secret, token: granted.json.access_token as string };
}
