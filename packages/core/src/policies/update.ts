import { requireScope } from "../auth/permissions";
import { recordAudit } from "../audit";
import type { RequestContext } from "../context";
import { database } from "../db/client";
import { NotFoundError, OrganizationSuspendedError, UnauthenticatedError } from "../errors";
import { withOrganizationLockWaiting } from "../organizations/lock";
import { type Actor, toObjectId, VISIBLE } from "../organizations/model";
import { parseInput } from "../validation";
import { type OrganizationPolicies, policiesOf, toPoliciesDocument } from "./model";
import { type PoliciesPatchInput, policiesPatchInputSchema } from "./schemas";

/**
 * `PATCH /org/policies` (`org:policies`: owners only): change any of the caller's organization's
 * security policies, the others staying as they are; answers all of them as they are now.
 *
 * Under the organization's lock (waited for up to 5 s, then 409): FerretDB writes back the whole
 * record an update read, so a write racing another change of the record (a rename, a suspension,
 * metadata) could undo it or be undone; and so the change audited is exactly what was before and
 * what is after. One write: the policies are a single field of the record, so no half of a change
 * can be left. Nothing changed, nothing is written or audited.
 *
 * Takes effect where each policy is enforced (docs/api/security-policies.md): at the
 * next token a session is issued, the next password set, the next invitation made or accepted.
 */
export async function updateOrganizationPolicies(
  actor: Actor & { readonly email?: string },
  input: PoliciesPatchInput,
  context: RequestContext = {},
): Promise<OrganizationPolicies> {
  requireScope(actor, "org:policies", "change the organization's security policies");
  const patch = parseInput(policiesPatchInputSchema, input);
  const organizationId = toObjectId(actor.organizationId);
  const userId = toObjectId(actor.userId);
  if (!organizationId || !userId) throw new UnauthenticatedError();
  const db = await database();
  return withOrganizationLockWaiting(db, organizationId, async () => {
    const organization = await db.organizations.findOne(
      { _id: organizationId, ...VISIBLE },
      { projection: { policies: 1, suspended: 1 } },
    );
    if (!organization) throw new NotFoundError("The token's organization does not exist.");
    if (organization.suspended) throw new OrganizationSuspendedError();
    const before = policiesOf(organization);
    const after: OrganizationPolicies = {
      requireMfa: patch.requireMfa ?? before.requireMfa,
      minPasswordLength: patch.minPasswordLength === undefined ? before.minPasswordLength : patch.minPasswordLength,
      invitationDomains: patch.invitationDomains ?? before.invitationDomains,
    };
    const changes = changesBetween(before, after);
    if (Object.keys(changes).length === 0) return after;
    const stored = toPoliciesDocument(after);
    await db.organizations.updateOne(
      { _id: organizationId },
      Object.keys(stored).length > 0 ? { $set: { policies: stored } } : { $unset: { policies: "" } },
    );
    await recordAudit(
      db,
      {
        action: "organization.policies_changed",
        organizationId,
        userId,
        ...(actor.email && { email: actor.email }),
        details: changes,
      },
      context,
    );
    return after;
  });
}

/**
 * What the audit entry says: `<policy>_before` and `<policy>_after` for each policy that changed
 * (the log keeps strings and booleans: a length as digits or `none` for the floor, domains
 * comma-separated, empty for any).
 */
function changesBetween(before: OrganizationPolicies, after: OrganizationPolicies): Record<string, string | boolean> {
  const changes: Record<string, string | boolean> = {};
  if (before.requireMfa !== after.requireMfa) {
    changes.require_mfa_before = before.requireMfa;
    changes.require_mfa_after = after.requireMfa;
  }
  if (before.minPasswordLength !== after.minPasswordLength) {
    changes.min_password_length_before = String(before.minPasswordLength ?? "none");
    changes.min_password_length_after = String(after.minPasswordLength ?? "none");
  }
  const domains = (policies: OrganizationPolicies) => policies.invitationDomains.join(",");
  if (domains(before) !== domains(after)) {
    changes.invitation_domains_before = domains(before);
    changes.invitation_domains_after = domains(after);
  }
  return changes;
}
