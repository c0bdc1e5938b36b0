import { config } from "../config";
import { SIGNING_ALGORITHM, signingKeys } from "./keys";

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
    token_endpoint: `${issuer}/admin/login`,
    response_types_supported: ["token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    token_endpoint_auth_methods_supported: ["none"],
    claims_supported: ["iss", "aud", "sub", "org", "iat", "exp", "jti"],
  };
}

/** The public keys only: a private parameter never leaves the process. */
export async function jsonWebKeySet() {
  const { publicJwks } = await signingKeys();
  return { keys: publicJwks };
}
