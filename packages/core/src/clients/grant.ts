import { checkSecret } from "../auth/credential-check";
import { parseScopes, type Scope } from "../auth/permissions";
import { issueClientAccessToken } from "../auth/tokens";
import { nowOf, type RequestContext } from "../context";
import { database } from "../db/client";
import type { ClientDocument, ClientSecretDocument } from "../db/documents";
import { OAuthError, TooManyAttemptsError } from "../errors";
import { matchSecret, secretsOf } from "./secrets";

/** A token request as the token endpoint received it (the HTTP layer reads the form and the Basic header). */
export interface TokenRequest {
  readonly grantType: string | undefined;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  /** `scope`: space-delimited; absent means everything the client was granted. */
  readonly scope: string | undefined;
}

/** The token response of RFC 6749 §5.1. */
export interface ClientToken {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly scopes: readonly Scope[];
}

const TOKEN_SIZE_LIMIT = 256;
const CLIENT_ID = /^(oc|pc)_[0-9a-f]{24}$/;

/**
 * `POST /oauth/token` with `grant_type=client_credentials` (RFC 6749 §4.4): a machine client
 * proves itself with its id and secret and gets a short-lived RS256 access token from the
 * service's own issuer and keys, so API Gateway's JWT authorizer and route scopes take it as they
 * take a user's. The secret goes through the one credential check (auth/credential-check.ts):
 * failures count per client and per source address, past the limits even the right secret is
 * refused, and an unknown client costs the same comparison as a known one. Every failure is an
 * RFC 6749 §5.2 error (OAuthError), never a problem document.
 */
export async function clientCredentialsGrant(
  request: TokenRequest,
  context: RequestContext = {},
): Promise<ClientToken> {
  if (request.grantType === undefined) throw new OAuthError("invalid_request", "grant_type is required.");
  if (request.grantType !== "client_credentials") {
    throw new OAuthError("unsupported_grant_type", "Only the client_credentials grant is supported.");
  }
  const { clientId, clientSecret } = request;
  // An id of no client's form is refused before anything is counted or read: nothing is compared,
  // so nothing can be guessed, and no odd character reaches the database.
  if (!clientId || !CLIENT_ID.test(clientId) || !clientSecret || clientSecret.length > TOKEN_SIZE_LIMIT) {
    throw new OAuthError("invalid_client", "Client authentication failed.");
  }
  const now = nowOf(context);
  const db = await database();
  // Read while the throttle counts the attempt (one round trip, not two).
  const lookup = Promise.all([db.clients.findOne({ _id: clientId }), secretsOf(db, clientId)]);
  lookup.catch(() => undefined);
  let found: { client: ClientDocument; secret: ClientSecretDocument } | undefined;
  try {
    // Failures are limited per source address only: a secret of 256 random bits cannot be guessed,
    // and a limit per client would let whoever knows a client's id lock it out by failing on purpose.
    const check = await checkSecret(db, { email: undefined, sourceIp: context.sourceIp, now }, async () => {
      const [client, secrets] = await lookup;
      const secret = matchSecret(client ? secrets : [], clientSecret);
      if (client && secret) found = { client, secret };
      return found !== undefined;
    });
    if (!check.ok || !found) throw new OAuthError("invalid_client", "Client authentication failed.");
  } catch (error) {
    if (error instanceof TooManyAttemptsError) {
      throw new OAuthError("temporarily_unavailable", error.message, { retryAfterSeconds: error.retryAfterSeconds });
    }
    throw error;
  }

  const { client, secret } = found;
  if (
    client.organization_id &&
    (await db.organizations.countDocuments(
      { _id: client.organization_id, suspended: { $exists: true } },
      { limit: 1 },
    )) > 0
  ) {
    throw new OAuthError("unauthorized_client", "The client's organization is suspended.");
  }
  const granted = client.scopes as Scope[];
  const scopes = request.scope === undefined ? granted : requestedScopes(request.scope, granted);
  const token = await issueClientAccessToken({
    clientId: client._id,
    ...(client.organization_id && { org: client.organization_id.toHexString() }),
    scopes,
  });
  // Its own document, never the secret's: the token path writes nothing a rotation deletes.
  await db.clientSecretUses
    .updateOne({ _id: secret.secret_id }, { $set: { last_used_at: now } }, { upsert: true })
    .catch(() => undefined);
  return { accessToken: token.accessToken, expiresIn: token.expiresIn, scopes };
}

/** The scopes asked for: each known and granted to the client, or `invalid_scope`. */
function requestedScopes(scope: string, granted: readonly Scope[]): Scope[] {
  const asked = scope.split(" ").filter((entry) => entry.length > 0);
  const known = parseScopes(asked.join(" "));
  if (asked.length === 0 || known.length !== new Set(asked).size || known.some((entry) => !granted.includes(entry))) {
    throw new OAuthError("invalid_scope", "The scope asked for is unknown or more than the client was granted.");
  }
  return known;
}
