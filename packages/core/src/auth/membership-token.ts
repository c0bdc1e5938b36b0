import type { MembershipDocument } from "../db/documents";
import { type IssuedToken, issueAccessToken } from "./tokens";

/** An access token for a membership as it is now: its role, grant and credentials version. */
export function issueTokenFor(
  membership: Pick<MembershipDocument, "organization_id" | "user_id" | "role" | "grant" | "credentials_version">,
): Promise<IssuedToken> {
  return issueAccessToken({
    sub: membership.user_id.toHexString(),
    org: membership.organization_id.toHexString(),
    cv: membership.credentials_version,
    role: membership.role,
    gr: membership.grant.toHexString(),
  });
}
