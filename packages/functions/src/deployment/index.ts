/**
 * What the infrastructure reads at deploy time: which secrets exist and which function gets which,
 * and who may call the API cross-origin. Nothing here loads a handler, Middy or the driver.
 */
export {
  ABSENT_SECRET_VALUE,
  OPTIONAL_SECRETS,
  SECRET_NAMES,
  SECRETS_BY_CAPABILITY,
  secretsFor,
  type SecretName,
} from "./secret-names";
export { ALLOWED_HEADERS, allowedOrigins, EXPOSED_HEADERS, isAllowedOrigin } from "./cors-settings";
