import type { ObjectId } from "mongodb";
import { recordAudit } from "../audit";
import type { RequestContext } from "../context";
import type { Database } from "../db/client";
import type { SessionDocument } from "../db/documents";
import { verifiedDomainOwner } from "../domains/verified";
import { emailDomain } from "../domains/email-domain";
import { SsoRequiredError, UnauthenticatedError } from "../errors";
import { membershipId } from "../members/membership";

/**
 * Enforced single sign-on: a password login of a user whose email is in a domain verified by an
 * organization that enforces it is refused with a problem that points to the organization's
 * sign-in — whichever organization the login is for, since the domain's addresses are that
 * organization's to authenticate. Its owners keep their password (break-glass, for when the
 * provider is down or misconfigured), and each such login is audited.
 *
 * Called once the password checked out (login, an invitation accepted with a password), so it
 * tells nothing to whoever does not know it; and for sessions a password opened, at each refresh
 * and switch ({@link refuseUnlessSessionAllowed}), so enforcing reaches the sessions open already.
 */
export async function refuseUnlessPasswordAllowed(
  db: Database,
  user: { readonly _id: ObjectId; readonly email: string },
  context: RequestContext,
  options: { readonly audit?: boolean } = { audit: true },
): Promise<void> {
  const organizationId = await verifiedDomainOwner(db, emailDomain(user.email));
  if (!organizationId) return;
  const connection = await db.ssoConnections.findOne(
    { _id: organizationId },
    { projection: { enabled: 1, enforced: 1 } },
  );
  if (!connection?.enabled || !connection.enforced) return;
  const [membership, organization] = await Promise.all([
    db.memberships.findOne({ _id: membershipId(organizationId, user._id) }, { projection: { role: 1 } }),
    db.organizations.findOne({ _id: organizationId }, { projection: { name: 1 } }),
  ]);
  if (!organization) return;
  if (membership?.role === "owner") {
    if (options.audit) {
      await recordAudit(
        db,
        { action: "sso.break_glass_login", organizationId, userId: user._id, email: user.email },
        context,
      );
    }
    return;
  }
  throw new SsoRequiredError(organization.name);
}

/**
 * Whether what a session proved still holds, before it renews or opens another: a password's,
 * that password login is still allowed for the user ({@link refuseUnlessPasswordAllowed}); a
 * single sign-on's, that its organization still holds the user's email domain — the domain it
 * vouched for by DNS, and the only reason its provider was believed.
 */
export async function refuseUnlessSessionAllowed(
  db: Database,
  session: Pick<SessionDocument, "user_id" | "email" | "sso_organization_id">,
  context: RequestContext,
): Promise<void> {
  if (session.sso_organization_id) {
    const holder = await verifiedDomainOwner(db, emailDomain(session.email));
    if (!holder?.equals(session.sso_organization_id)) throw new UnauthenticatedError();
    return;
  }
  await refuseUnlessPasswordAllowed(db, { _id: session.user_id, email: session.email }, context, { audit: false });
}
