import type { ObjectId } from "mongodb";
import * as z from "zod/mini";
import { requireScope } from "../auth/permissions";
import { recordAudit } from "../audit";
import { checkPassword } from "../auth/credential-check";
import { checkpoint } from "../checkpoints";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { OrganizationDocument, PendingUpdate } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { InvalidGrantError, UnauthenticatedError, ValidationError } from "../errors";
import { logger, requestFields } from "../logger";
import { membershipId } from "../members/membership";
import { sendBestEffort } from "../mail/mailer";
import { passwordChangedMail } from "../mail/templates";
import { hashPassword } from "../passwords";
import { checkPasswordMinimum, strictestPasswordMinimum } from "../policies/password-length";
import { type IssuedSession, openSession } from "../sessions/session";
import { collectionNameFor, slugify } from "../slug";
import { atLeastOneOf, emailSchema, organizationNameSchema, parseInput, passwordSchema } from "../validation";
import { changeOwnOrganization, movingOrganization } from "./change-own-organization";
import { withCredentialsLock } from "./lock";
import { adminEmailOf, toObjectId, toOrganization, type Actor, type OrganizationWithAdmin } from "./model";
import { type PendingEmailChange, requestEmailChange } from "../account/email-change";
import { indexNames } from "./search";
import { eventActorOf } from "../events/actor";
import { beginChange } from "../events/change";
import { organizationsOf } from "../members/membership";
import { applyCredentials, clearPending, moveTenantCollection, nameTaken, rollBackUpdate } from "./steps";

const updateFields = z.object({
  organizationName: organizationNameSchema,
  newOrganizationName: z.optional(organizationNameSchema),
  email: z.optional(emailSchema),
  password: z.optional(passwordSchema),
  /** The caller's password as it is: what changing the email or the password is proven with. */
  currentPassword: z.optional(z.string().check(z.maxLength(1024))),
});

export const updateOrganizationInputSchema = updateFields.check(
  atLeastOneOf<z.output<typeof updateFields>>(["newOrganizationName", "email", "password"]),
);

export type UpdateOrganizationInput = z.input<typeof updateOrganizationInputSchema>;

/** What an update answers. */
export interface UpdateResult {
  readonly organization: OrganizationWithAdmin;
  /**
   * When the credentials changed, which ends every session of the user opened under the old ones:
   * the caller's session continues under a new id, with fresh tokens.
   */
  readonly session?: IssuedSession;
  /**
   * When a new email was asked for: it waits for the new address to confirm it (account/email-change.ts);
   * until then the user's email is what it was.
   */
  readonly pendingEmail?: PendingEmailChange;
}

/**
 * Rename an organization and/or change the caller's credentials, all or nothing:
 *
 * 1. the record takes its new name, marked `pending: update` with what it was before (the unique
 *    slug index decides a race for the new name, and no other change may start meanwhile);
 * 2. the caller's new credentials (the unique email index may refuse them), mirrored on their
 *    memberships, and every session of theirs opened under the old ones deleted;
 * 3. the tenant collection renamed (a metadata operation: O(1), every document kept);
 * 4. the marker removed.
 * A failing step puts everything back; a crash leaves the marker for the reconciler.
 */
export async function updateOrganization(
  actor: Actor,
  input: UpdateOrganizationInput,
  context: RequestContext = {},
): Promise<UpdateResult> {
  // The route's scope, whatever else the change needs (renaming takes org:rename as well).
  requireScope(actor, "profile:write", "change the organization or their credentials");
  const { organizationName, newOrganizationName, email, password, currentPassword } = parseInput(
    updateOrganizationInputSchema,
    input,
  );
  const userId = toObjectId(actor.userId);
  if (!userId) throw new UnauthenticatedError();
  const db = await database();
  // A bearer token alone does not change what signs the account in, nor where its resets go.
  if (password !== undefined || email !== undefined) {
    await proveCurrentPassword(db, userId, { email, password, currentPassword }, context);
  }
  // A new password meets the strictest minimum of the caller's organizations (policies/), before any bcrypt work.
  if (password !== undefined) checkPasswordMinimum(password, await strictestPasswordMinimum(db, userId));
  const passwordHash = password === undefined ? undefined : await hashPassword(password);
  // Anyone may change their own credentials; renaming takes more.
  const permission =
    newOrganizationName === undefined
      ? ({ scope: "profile:write", action: "change their credentials" } as const)
      : ({ scope: "org:rename", action: "rename the organization" } as const);
  const now = nowOf(context);
  return changeOwnOrganization(db, actor, organizationName, permission, (current) =>
    // A password change bumps the user's credentials version: one change of them at a time (lock.ts).
    passwordHash === undefined ? update(current) : withCredentialsLock(db, userId, () => update(current)),
  );

  async function update(current: OrganizationDocument): Promise<UpdateResult> {
    const sessionId = actor.sessionId === undefined ? undefined : toObjectId(actor.sessionId);
    const [caller, membership, session] = await Promise.all([
      db.users.findOne({ _id: userId }),
      db.memberships.findOne({ _id: membershipId(current._id, actor.userId) }),
      sessionId ? db.sessions.findOne({ _id: sessionId }) : null,
    ]);
    if (!caller || !membership) throw new UnauthenticatedError();

    const newName = newOrganizationName ?? current.name;
    if (current.move && slugify(newName) !== current.slug) throw movingOrganization(current.name, "renamed");
    const slug = slugify(newName);
    // A new email only ever becomes pending here (account/email-change.ts), once the rest is done.
    const changesEmail = email !== undefined && email !== caller.email;
    const changesCredentials = passwordHash !== undefined;
    const pending: PendingUpdate = {
      op: "update",
      started_at: now,
      previous: {
        name: current.name,
        slug: current.slug,
        collection_name: current.collection_name,
        updated_at: current.updated_at,
      },
      ...(changesCredentials && {
        credentials: {
          user_id: caller._id,
          target: {
            ...(passwordHash !== undefined && { password_hash: passwordHash }),
            // A new version revokes every token issued under the old credentials.
            credentials_version: caller.credentials_version + 1,
          },
          previous: {
            email: caller.email,
            // Always stated, so that undoing the change puts back exactly what was proven before.
            email_verified: caller.email_verified === true,
            password_hash: caller.password_hash,
            credentials_version: caller.credentials_version,
            updated_at: caller.updated_at,
          },
        },
      }),
    };
    const renames = newName !== current.name;
    // Marked on the record with the rest of step 1, whatever event it is: the update is one
    // change, finished or undone as a whole (an undone one takes its marks back: steps.ts).
    const proof = { kind: "marked", collection: "organizations", id: current._id } as const;
    const change = await beginChange(
      db,
      eventActorOf(actor),
      [
        ...(renames
          ? [
              {
                type: "organization.renamed" as const,
                organizationId: current._id,
                data: { name: newName, slug, previous_name: current.name, previous_slug: current.slug },
                proof,
              },
            ]
          : []),
        ...(changesCredentials
          ? (await organizationsOf(db, caller._id)).map((organizationId) => ({
              type: "user.password_changed" as const,
              organizationId,
              data: { user_id: caller._id.toHexString(), email: caller.email },
              proof,
            }))
          : []),
      ],
      now,
    );
    pending.event_change = change.id;
    const marks = {
      ...(renames && change.mark("organization.renamed")),
      ...(changesCredentials && change.mark("user.password_changed")),
    };
    const updated: OrganizationDocument = {
      ...current,
      name: newName,
      slug,
      collection_name: collectionNameFor(slug),
      pending,
      event_marks: {
        ...current.event_marks,
        ...Object.fromEntries(Object.keys(marks).map((path) => [path.slice("event_marks.".length), change.id])),
      },
    };

    try {
      const { name, collection_name } = updated;
      // Found by both names while the rename is under way (a search checks hits against the record).
      if (slug !== current.slug || name !== current.name) {
        await indexNames(db, current._id, { name: current.name, slug: current.slug }, { name, slug });
      }
      await db.organizations.updateOne(
        { _id: current._id },
        { $set: { name, slug, collection_name, pending, ...marks } },
      );
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        await change.abandon(db);
        throw nameTaken(newName);
      }
      throw error;
    }

    try {
      await checkpoint("update", 1);
      await applyCredentials(db, updated, pending, now);
      await checkpoint("update", 2);
      await moveTenantCollection(updated, pending);
      await checkpoint("update", 3);
      await clearPending(db, updated, { updated_at: now });
      if (slug !== current.slug || newName !== current.name) await indexNames(db, current._id, { name: newName, slug });
    } catch (error) {
      await rollBackUpdate(db, updated, pending);
      await change.abandon(db);
      throw error;
    }
    await change.commit(db);

    await recordAudit(
      db,
      {
        action: "organization.update",
        organizationId: current._id,
        userId: caller._id,
        email: caller.email,
        details: {
          ...(newName !== current.name && { renamed_from: current.name, renamed_to: newName }),
          email_changed: false,
          ...(changesEmail && { email_change_requested: true }),
          password_changed: passwordHash !== undefined,
        },
      },
      context,
    );
    // Asked for alone, the email change's own refusals (the link throttle's 429) are the answer.
    const alone = !changesCredentials && newName === current.name;
    const pendingEmail = !changesEmail
      ? undefined
      : alone
        ? await requestEmailChange(db, caller, email, context)
        : await requestEmailChangeAfter(db, caller, email, context);
    const { pending: _, ...done } = updated;
    const organization = {
      ...toOrganization({ ...done, updated_at: now }),
      adminEmail: await adminEmailOf(db, current._id),
      role: membership.role,
    };
    if (!pending.credentials) return { organization, ...(pendingEmail && { pendingEmail }) };
    const [continued] = await Promise.all([
      // The caller's session ended with the old credentials: it continues under the new ones.
      openSession(
        db,
        { ...membership, credentials_version: pending.credentials.target.credentials_version },
        context,
        session ? { continues: session } : {},
      ),
      // As a reset does: whoever changed it, the address learns of it.
      sendBestEffort(passwordChangedMail({ to: caller.email, at: now }), context),
    ]);
    return { organization, session: continued, ...(pendingEmail && { pendingEmail }) };
  }
}

/**
 * The caller's password, checked as a login checks it (counted against the same limits, the same
 * cost for an account without one). Without it, whoever holds an access token for a quarter of an
 * hour, stolen or left open, could set a password of their own (which turning two-factor login off
 * accepts) or move the account's address, and its resets, to their mailbox.
 */
async function proveCurrentPassword(
  db: Database,
  userId: ObjectId,
  change: { email?: string | undefined; password?: string | undefined; currentPassword?: string | undefined },
  context: RequestContext,
): Promise<void> {
  const user = await db.users.findOne({ _id: userId }, { projection: { email: 1, password_hash: 1 } });
  if (!user) throw new UnauthenticatedError();
  // The email it already has is no change.
  if (change.password === undefined && change.email === user.email) return;
  if (change.currentPassword === undefined) {
    throw new ValidationError([
      { path: "current_password", message: "is required to change the email or the password" },
    ]);
  }
  const attempt = {
    email: user.email,
    sourceIp: context.sourceIp,
    now: nowOf(context),
    password: change.currentPassword,
  };
  const { ok } = await checkPassword(db, attempt, user.password_hash);
  if (!ok) throw new InvalidGrantError("The current password is incorrect.");
}

/**
 * The email change asked for with other changes, once they are made: those stand whatever happens
 * here, and the caller must get the tokens that continue their session, so a failure leaves the
 * answer without `pending_email` rather than turning a done change into an error.
 */
async function requestEmailChangeAfter(
  db: Parameters<typeof requestEmailChange>[0],
  user: Parameters<typeof requestEmailChange>[1],
  email: string,
  context: RequestContext,
): Promise<PendingEmailChange | undefined> {
  try {
    return await requestEmailChange(db, user, email, context);
  } catch (error) {
    logger.warn("email change not requested", { error: (error as Error).name, ...requestFields(context) });
    return undefined;
  }
}
