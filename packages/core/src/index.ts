export {
  config,
  parseConfig,
  resetConfig,
  CONFIGURATION_VARIABLES,
  SECRET_VARIABLES,
  type Config,
} from "./config";
export { database, closeDatabase, pingDatabase, type Database } from "./db/client";
export { isDatabaseUnavailableError } from "./db/mongo-errors";
export {
  DomainError,
  ValidationError,
  NotFoundError,
  ConflictError,
  InvalidCredentialsError,
  ForbiddenError,
  ConfigurationError,
  describeConfigurationIssue,
  type ConfigurationIssue,
  UnauthenticatedError,
  TooManyAttemptsError,
  type FieldIssue,
} from "./errors";
export { slugify, collectionNameFor, SLUG_MAX_LENGTH } from "./slug";
export {
  organizationNameSchema,
  emailSchema,
  passwordSchema,
  hasControlCharacter,
  parseInput,
  validationErrorFrom,
  isReservedSlug,
} from "./validation";
export { issueAccessToken, verifyAccessToken, type AccessTokenClaims, type IssuedToken } from "./auth/tokens";
export { authenticate, authenticateOptionally } from "./auth/authenticate";
export { signingKeys, resetSigningKeys, SIGNING_ALGORITHM } from "./auth/keys";
export { openIdConfiguration, jsonWebKeySet } from "./auth/discovery";
export type { Organization, OrganizationWithAdmin, Actor, AuthenticatedActor } from "./organizations/model";
export { createOrganization, type CreateOrganizationInput } from "./organizations/create";
export { getOrganization } from "./organizations/get";
export { updateOrganization, type UpdateOrganizationInput, type UpdateResult } from "./organizations/update";
export { deleteOrganization } from "./organizations/delete";
export { getTenantCollection, type TenantCollection } from "./organizations/collection";
export { reconcile, type ReconcileReport } from "./organizations/reconcile";
export { checkInvariants } from "./organizations/invariants";
export { checkpoint, injectFault, clearFaults, type Fault } from "./checkpoints";
export { login, loginInputSchema, type LoginInput, type LoginResult } from "./organizations/login";
export { recordAudit, listAudit, type AuditEntry, type AuditPage } from "./audit";
export { AUDIT_PAGE_MAX } from "./audit-page";
export type { RequestContext } from "./context";
