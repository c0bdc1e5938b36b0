import { requireScope } from "../auth/permissions";
import { nowOf, type RequestContext } from "../context";
import { database } from "../db/client";
import { ValidationError } from "../errors";
import { type Actor, toObjectId } from "../organizations/model";
import { pageLimit, pageOf } from "../paging";
import { pendingFilter } from "./close";
import { type Invitation, toInvitation } from "./invite";
import { INVITATIONS_PAGE_MAX } from "./page";

export interface InvitationPage {
  readonly invitations: readonly Invitation[];
  /** The id of the page's last invitation: pass it as `cursor` for the next page. */
  readonly nextCursor?: string;
}

/**
 * The caller's organization's pending invitations, newest first, a page at a time — never their
 * tokens (owners and admins). Keyset paging on the invitation id, which grows with time: an
 * invitation made while someone pages lands on the first page, never shifts the others.
 */
export async function listInvitations(
  actor: Actor,
  options: { limit?: number; cursor?: string } = {},
  context: RequestContext = {},
): Promise<InvitationPage> {
  requireScope(actor, "members:manage", "list invitations");
  const limit = pageLimit(options.limit, 50, INVITATIONS_PAGE_MAX);
  const before = options.cursor === undefined ? undefined : toObjectId(options.cursor);
  if (options.cursor !== undefined && !before) {
    throw new ValidationError([{ path: "cursor", message: "is not a cursor from a previous page" }]);
  }
  const db = await database();
  const documents = await db.invitations
    .find({
      organization_id: toObjectId(actor.organizationId),
      ...pendingFilter(nowOf(context)),
      ...(before && { _id: { $lt: before } }),
    })
    .sort({ _id: -1 })
    .limit(limit + 1)
    .toArray();
  const { items, nextCursor } = pageOf(documents, limit, (last) => last._id.toHexString());
  return { invitations: items.map(toInvitation), ...(nextCursor && { nextCursor }) };
}
