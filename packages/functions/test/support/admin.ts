import { expect } from "vitest";
import { handler as createOrganization } from "../../src/handlers/create-organization";
import { handler as login } from "../../src/handlers/login";
import { invoke } from "./invoke";

let sequence = 0;
export const unique = (): string => `${Date.now().toString(36)}${++sequence}`;

/** What API Gateway passes a protected function: the bearer header, and the claims its authorizer verified. */
export function authFor(token: string) {
  const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
  return { claims, headers: { authorization: `Bearer ${token}` } };
}

/** A new organization and its logged-in admin, through the handlers. */
export async function signUp(name = `Org ${unique()}`) {
  const email = `admin.${unique()}@example.com`;
  const password = "hunter2-hunter2";
  const created = await invoke(createOrganization, {
    method: "POST",
    path: "/org/create",
    json: { organization_name: name, email, password },
  });
  expect(created.status).toBe(201);
  const session = await invoke(login, { method: "POST", path: "/admin/login", json: { email, password } });
  expect(session.status).toBe(200);
  const token = String(session.json.access_token);
  return { name, email, password, created, session, token, auth: authFor(token) };
}
