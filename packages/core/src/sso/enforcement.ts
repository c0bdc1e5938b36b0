import type { ObjectId } from "mongodb";
import { recordAudit } from "../audit";
import type { RequestContext } from "../context";
import type { Database } from "../db/client";
import { SsoRequiredError } from "../errors";
import { membershipId } from "../members/membership";
import { verifiedDomainOwner } from "../domains/claims";
import { emailDomain } from "../domains/names";

/**
 * Enforced single sign-on: a password login of a user whose email is in a domain verified by an
 * organization that enforces it is refused with a problem that points to the organization's
 * sign-in — whichever organization the login is for, since the domain's addresses are that
 * organization's to authenticate. Its owners keep their password (break-glass, for when the
 * provider is down or misconfigured), and each such login is audited.
 *
 * Called once the password checked out, so it tells nothing to whoever does not know it.
 */
export async function refuseUnlessPasswordAllowed(
  db: Database,
  user: { readonly _id: ObjectId; readonly email: string },
  context: RequestContext,
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
    await recordAudit(
      db,
      { action: "sso.break_glass_login", organizationId, userId: user._id, email: user.email },
      context,
    );
    return;
  }
  throw new SsoRequiredError(organization.name);
}
