export { config, parseConfig, resetConfig, ConfigurationError, type Config } from "./config";
export { database, closeDatabase, pingDatabase, type Database } from "./db/client";
export { isDatabaseUnavailableError } from "./db/mongo-errors";
export {
  DomainError,
  ValidationError,
  NotFoundError,
  ConflictError,
  InvalidCredentialsError,
  ForbiddenError,
  type FieldIssue,
} from "./errors";
export { slugify, collectionNameFor, SLUG_MAX_LENGTH } from "./slug";
export { organizationNameSchema, emailSchema, passwordSchema, parseInput, validationErrorFrom } from "./validation";
export { issueAccessToken, verifyAccessToken, type AccessTokenClaims } from "./auth/tokens";
export { signingKeys, resetSigningKeys, SIGNING_ALGORITHM } from "./auth/keys";
export { openIdConfiguration, jsonWebKeySet, JWKS_PATH } from "./auth/discovery";
export type { Organization, OrganizationWithAdmin, Actor } from "./organizations/model";
export { createOrganization, type CreateOrganizationInput } from "./organizations/create";
export { getOrganization } from "./organizations/get";
export { updateOrganization, type UpdateOrganizationInput } from "./organizations/update";
export { deleteOrganization } from "./organizations/delete";
export { reconcile, type ReconcileReport } from "./organizations/reconcile";
export { checkInvariants } from "./organizations/invariants";
export { checkpoint, injectFault, clearFaults, InjectedFault, type Fault } from "./checkpoints";
export { login, loginInputSchema, type LoginInput, type LoginResult } from "./organizations/login";
