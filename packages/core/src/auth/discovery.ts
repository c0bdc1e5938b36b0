import { config } from "../config";
import { SIGNING_ALGORITHM, signingKeys } from "./keys";
import { SCOPES } from "./permissions";

export const JWKS_PATH = "/.well-known/jwks.json";

/**
 * The OpenID Connect discovery document: API Gateway's JWT authorizer reads `jwks_uri` from it
 * (at `<issuer>/.well-known/openid-configuration`) to find the keys that verify tokens.
 */
export function openIdConfiguration() {
  const { issuer } = config().jwt;
  return {
    issuer,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    // Machine clients' OAuth 2.0 client credentials grant (clients/grant.ts); people log in at /admin/login.
    token_endpoint: `${issuer}/oauth/token`,
    grant_types_supported: ["client_credentials"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    scopes_supported: SCOPES,
    response_types_supported: ["token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    claims_supported: ["iss", "aud", "sub", "org", "client_id", "scope", "email_verified", "iat", "exp", "jti"],
  };
}

/** The public keys only: a private parameter never leaves the process. */
export async function jsonWebKeySet() {
  const { publicJwks } = await signingKeys();
  return { keys: publicJwks };
}
