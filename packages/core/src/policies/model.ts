import type { OrganizationDocument, OrganizationPoliciesDocument } from "../db/documents";

/** An organization's security policies as the rest of the service sees them, defaults filled in. */
export interface OrganizationPolicies {
  readonly requireMfa: boolean;
  /** In bytes of UTF-8; `null`: the service's own floor. */
  readonly minPasswordLength: number | null;
  /** Empty: invitations may go to any domain. */
  readonly invitationDomains: readonly string[];
}

/** The policies a record holds (an absent field, or no policies at all, is the default). */
export function policiesOf(document: Pick<OrganizationDocument, "policies">): OrganizationPolicies {
  const stored = document.policies;
  return {
    requireMfa: stored?.require_mfa === true,
    minPasswordLength: stored?.min_password_length ?? null,
    invitationDomains: stored?.invitation_domains ?? [],
  };
}

/** As the record stores them: defaults left out, so an organization that set none carries nothing. */
export function toPoliciesDocument(policies: OrganizationPolicies): OrganizationPoliciesDocument {
  return {
    ...(policies.requireMfa && { require_mfa: true }),
    ...(policies.minPasswordLength !== null && { min_password_length: policies.minPasswordLength }),
    ...(policies.invitationDomains.length > 0 && { invitation_domains: [...policies.invitationDomains] }),
  };
}
