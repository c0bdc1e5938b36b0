import type { OrganizationDocument } from "../db/documents";
import { ForbiddenError, ValidationError } from "../errors";
import { emailDomain } from "../domains/email-domain";

/**
 * Whether the organization's policy lets an invitation go to (or be accepted by) this address, or
 * lets it join another way (single sign-on, a verified domain): an exact domain match.
 */
export function allowsMemberAddress(organization: Pick<OrganizationDocument, "policies">, email: string): boolean {
  const domains = organization.policies?.invitation_domains;
  return !domains || domains.length === 0 || domains.includes(emailDomain(email));
}

const listOf = (organization: Pick<OrganizationDocument, "policies">) =>
  (organization.policies?.invitation_domains ?? []).join(", ");

/** Inviting: an address outside the allowed domains is refused as a wrong `email` (422), naming them. */
export function checkInvitationDomain(organization: Pick<OrganizationDocument, "policies">, email: string): void {
  if (allowsMemberAddress(organization, email)) return;
  throw new ValidationError([
    {
      path: "email",
      message: `must be an address at one of the organization's invitation domains: ${listOf(organization)}`,
    },
  ]);
}

/**
 * Accepting: the policy may have changed since the invitation was sent, and it is the policy now
 * that decides (403, naming the domains). The invitation stays pending: it works again should the
 * domain be allowed again before it expires.
 */
export function requireInvitationDomainAllowed(
  organization: Pick<OrganizationDocument, "policies">,
  email: string,
): void {
  if (allowsMemberAddress(organization, email)) return;
  throw new ForbiddenError(
    `The organization now accepts members only at these email domains: ${listOf(organization)}. This invitation's address is at another one: ask for an invitation to an allowed address.`,
  );
}
