import { OAuthError, type TokenRequest } from "@org-service/core";
import type { HttpEvent, HttpResult } from "./endpoint";
import { json } from "./respond";

/**
 * The token endpoint's side of RFC 6749: a form body (`application/x-www-form-urlencoded`, §4.4.2),
 * client authentication by HTTP Basic or in the body (§2.3.1), and errors as the RFC's JSON
 * objects (§5.2). The form is read with the platform's URLSearchParams, the Basic header with
 * Buffer: no parser is written here.
 */
const FORM_MEDIA_TYPE = /^application\/x-www-form-urlencoded($|;)/i;

/** `Basic base64(urlencode(id) ":" urlencode(secret))`: the id and secret, form-decoded (§2.3.1). */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined | "malformed" {
  if (header === undefined) return undefined;
  const encoded = header.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i)?.[1];
  if (!encoded) return /^Basic\b/i.test(header) ? "malformed" : undefined;
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return "malformed";
  // application/x-www-form-urlencoded decoding of each part: `+` is a space, `%XX` a byte.
  const formDecode = (part: string) => decodeURIComponent(part.replace(/\+/g, " "));
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return "malformed";
  }
}

/** The token request in the event, or the RFC's `invalid_request`/`invalid_client` for a malformed one. */
export function tokenRequestOf(event: HttpEvent): TokenRequest {
  const headers = event.headers ?? {};
  if (!FORM_MEDIA_TYPE.test(headers["content-type"] ?? "")) {
    throw new OAuthError("invalid_request", "Send the token request as application/x-www-form-urlencoded.");
  }
  const raw = typeof event.body === "string" ? event.body : "";
  const form = new URLSearchParams(event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw);
  // A parameter sent twice is ambiguous: refused (§3.2).
  for (const name of new Set(form.keys())) {
    if (form.getAll(name).length > 1) throw new OAuthError("invalid_request", `The parameter ${name} is repeated.`);
  }
  const basic = basicCredentials(headers.authorization);
  if (basic === "malformed")
    throw new OAuthError("invalid_client", "The Authorization header is not valid Basic authentication.");
  const inBody = form.has("client_id") || form.has("client_secret");
  // One method of client authentication per request (§2.3).
  if (basic && inBody) throw new OAuthError("invalid_request", "Authenticate the client one way: Basic or the body.");
  return {
    grantType: form.get("grant_type") ?? undefined,
    clientId: basic?.id ?? form.get("client_id") ?? undefined,
    clientSecret: basic?.secret ?? form.get("client_secret") ?? undefined,
    scope: form.get("scope") ?? undefined,
  };
}

/** An OAuthError as RFC 6749 §5.2 answers it; with `WWW-Authenticate` for `invalid_client` (401). */
export function oauthErrorResponse(error: OAuthError): HttpResult {
  const status = error.error === "invalid_client" ? 401 : error.error === "temporarily_unavailable" ? 429 : 400;
  return json(
    status,
    { error: error.error, error_description: error.message },
    {
      pragma: "no-cache",
      ...(status === 401 && { "www-authenticate": 'Basic realm="org-service", charset="UTF-8"' }),
      ...(error.retryAfterSeconds !== undefined && { "retry-after": String(error.retryAfterSeconds) }),
    },
  );
}
