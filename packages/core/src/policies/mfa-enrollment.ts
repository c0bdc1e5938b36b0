import type { Database } from "../db/client";
import type { SessionDocument } from "../db/documents";

/**
 * Whether a session's next tokens are only for enrolling a second factor: its organization
 * requires two-factor login (`require_mfa`) and its user has no TOTP factor. Asked by
 * sessions/session.ts's `tokensFor`, the one place every access token of a session is issued
 * (login, invitation accept, organization switch, two-factor login, credential change, refresh),
 * so every path decides alike and from the state as it is then: enrolling lifts it at the next
 * refresh, turning the policy on imposes it at the next refresh, disabling the factor brings it
 * back. Never asked per request: the answer travels in the token (auth/tokens.ts).
 *
 * One read by primary key when the policy is off (most organizations); the factor only when on.
 */
export async function mfaEnrollmentRequired(
  db: Database,
  session: Pick<SessionDocument, "user_id" | "organization_id">,
): Promise<boolean> {
  const organization = await db.organizations.findOne(
    { _id: session.organization_id },
    { projection: { policies: 1 } },
  );
  if (organization?.policies?.require_mfa !== true) return false;
  return (await db.mfaFactors.countDocuments({ _id: session.user_id }, { limit: 1 })) === 0;
}
