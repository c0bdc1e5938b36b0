import { type Filter, ObjectId } from "mongodb";
import { requireScope } from "../auth/permissions";
import { requirePlatformScope, type PlatformActor } from "../clients/authenticate";
import { recordAudit } from "../audit";
import type { RequestContext } from "../context";
import type { Database } from "../db/client";
import type { AuditAction, WebhookDocument } from "../db/documents";
import { UnauthenticatedError } from "../errors";
import { eventActorOf, platformEventActor } from "../events/actor";
import type { EventActor } from "../events/types";
import { type Actor, toObjectId } from "../organizations/model";

/** Whose endpoints an operation acts on: an organization's (its owners and admins) or the platform's. */
export type WebhookOwner =
  | { readonly kind: "organization"; readonly organizationId: ObjectId; readonly actor: EventActor }
  | { readonly kind: "platform"; readonly actor: EventActor };

/** The organization's endpoints, for a caller whose role and token allow `webhooks:manage`. */
export function organizationWebhooks(actor: Actor, action = "manage webhooks"): WebhookOwner {
  requireScope(actor, "webhooks:manage", action);
  const organizationId = toObjectId(actor.organizationId);
  if (!organizationId) throw new UnauthenticatedError();
  return { kind: "organization", organizationId, actor: eventActorOf(actor) };
}

/** The platform's endpoints: reading takes `platform:read`, changing `platform:write`. */
export function platformWebhooks(actor: PlatformActor, scope: "platform:read" | "platform:write"): WebhookOwner {
  requirePlatformScope(actor, scope, scope === "platform:read" ? "read webhooks" : "manage webhooks");
  return { kind: "platform", actor: platformEventActor(actor) };
}

/**
 * An audit entry of a change of the owner's endpoints: in the organization's log with the user or
 * client that made it, or in the platform's with its client. Never the URL's query or a secret.
 */
export function auditWebhook(
  db: Database,
  owner: WebhookOwner,
  action: Extract<AuditAction, `webhook.${string}`>,
  webhookId: string,
  context: RequestContext,
  details: Record<string, string | boolean> = {},
): Promise<void> {
  const { actor } = owner;
  return recordAudit(
    db,
    {
      action,
      ...(owner.kind === "organization" && { organizationId: owner.organizationId }),
      ...(actor.type === "user" && { userId: new ObjectId(actor.id) }),
      ...((actor.type === "client" || actor.type === "platform") && { clientId: actor.id }),
      details: { webhook_id: webhookId, ...details },
    },
    context,
  );
}

/** The filter that finds an owner's endpoint by id, and none of anyone else's. */
export function ownedBy(owner: WebhookOwner, id?: string): Filter<WebhookDocument> {
  return {
    ...(id !== undefined && { _id: id }),
    ...(owner.kind === "organization"
      ? { organization_id: owner.organizationId, owner: "organization" as const }
      : { owner: "platform" as const }),
  };
}

export function organizationIdsOf(ids: readonly string[] | undefined): ObjectId[] | undefined {
  return ids?.map((id) => new ObjectId(id));
}
