import * as z from "zod/mini";
import { requireScope } from "../auth/permissions";
import { recordAudit } from "../audit";
import { nowOf, type RequestContext } from "../context";
import { database } from "../db/client";
import { NotFoundError, OrganizationSuspendedError, UnauthenticatedError } from "../errors";
import { visibleMembershipsOf } from "../members/visible-memberships";
import { type MfaRequired, startMfaChallenge } from "../mfa/login";
import { type AuthenticatedActor, toObjectId, toOrganization } from "../organizations/model";
import { organizationNameSchema, parseInput } from "../validation";
import { refuseUnlessSessionAllowed } from "../sso/enforcement";
import { hasEnded, type LoginResult, openSession } from "./session";

export const switchOrganizationInputSchema = z.object({
  /** The organization to switch to, by name (any spelling with its slug). */
  organizationName: organizationNameSchema,
});

export type SwitchOrganizationInput = z.input<typeof switchOrganizationInputSchema>;

/**
 * The one answer for an organization that does not exist (or is half-created or mid-deletion) and
 * for one the caller is not a member of: it names neither, nor echoes the name, so that comparing
 * the two answers tells nothing about which organizations exist.
 */
const notYours = () => new NotFoundError("You are not a member of an organization of this name.");

/**
 * `POST /auth/switch`: with a live session, a NEW session for another organization of the same
 * user — no password, since the current session proves it — as if they had logged into that
 * organization too. The new session mirrors that organization's membership (its role, so its
 * scopes), and the current session stays as it is: switching is a second login, not a move, and
 * each session ends on its own (logout, revocation, expiry). Switching to the organization the
 * token is for already is allowed and opens a fresh session, like logging in again.
 *
 * Naming an organization the user is not a member of is refused exactly like naming one that does
 * not exist (404, same body), after the same reads. Two-factor login is kept: a user with a TOTP
 * factor whose current session did not pass it is answered the code step (`POST /auth/mfa`) for
 * the target membership, as a login with the right password would be; a session that passed it
 * opens the new one as having passed it too.
 *
 * The new session is recorded in the target organization's audit log (`session.switched`, with the
 * session it came from). The code step records its completion as a login does.
 */
export async function switchOrganization(
  actor: AuthenticatedActor,
  input: SwitchOrganizationInput,
  context: RequestContext = {},
): Promise<LoginResult | MfaRequired> {
  requireScope(actor, "profile:write", "switch organization");
  const userId = toObjectId(actor.userId);
  const sessionId = toObjectId(actor.sessionId);
  if (!userId || !sessionId) throw new UnauthenticatedError();
  const { organizationName } = parseInput(switchOrganizationInputSchema, input);
  const now = nowOf(context);
  const db = await database();
  const [session, factor, [target]] = await Promise.all([
    db.sessions.findOne(
      { _id: sessionId, user_id: userId },
      {
        projection: {
          organization_id: 1,
          expires_at: 1,
          idle_expires_at: 1,
          mfa: 1,
          credentials_version: 1,
          email: 1,
          user_id: 1,
          sso_organization_id: 1,
        },
      },
    ),
    db.mfaFactors.findOne({ _id: userId }, { projection: { _id: 1 } }),
    visibleMembershipsOf(db, userId, organizationName),
  ]);
  // Authentication read the session already; it may have ended since (a logout in parallel).
  if (!session || hasEnded(session, now)) throw new UnauthenticatedError();
  if (!target) throw notYours();

  const { membership, organization } = target;
  if (organization.suspended) throw new OrganizationSuspendedError();
  // A change of credentials under way (a reset that has written the memberships but not yet ended
  // the old sessions) must not be outrun: a session of other credentials opens nothing new.
  if (session.credentials_version !== membership.credentials_version) throw new UnauthenticatedError();
  // What the current session proves must still hold: a password session, that password login is
  // allowed (single sign-on not enforced on the user's domain since); a single sign-on's, that its
  // organization still holds the domain it vouched for.
  await refuseUnlessSessionAllowed(db, session, context);
  const passedMfa = session.mfa === true;
  if (factor && !passedMfa) return startMfaChallenge(db, membership, context);
  const issued = await openSession(db, membership, context, {
    mfa: passedMfa,
    ...(session.sso_organization_id && { ssoOrganizationId: session.sso_organization_id }),
  });
  await recordAudit(
    db,
    {
      action: "session.switched",
      organizationId: organization._id,
      userId,
      email: membership.email,
      details: {
        session_id: issued.sessionId,
        from_session_id: sessionId.toHexString(),
        from_organization_id: session.organization_id.toHexString(),
        mfa: passedMfa,
      },
    },
    context,
  );
  return {
    ...issued,
    userId: actor.userId,
    role: membership.role,
    organization: toOrganization(organization),
  };
}
