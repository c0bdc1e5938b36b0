import { EVENT_TYPES, type EventType } from "@org-service/core";
import * as z from "zod/mini";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { eventSchema } from "../http/response-schemas";
import { meta } from "../http/schema-meta";

const text = (description: string) => meta(z.string(), { description });
const userFields = { user_id: text("The user's id."), email: text("The user's email address (now).") };
const indexFields = {
  name: z.string(),
  keys: meta(z.array(z.object({ field: z.string(), order: z.union([z.literal(1), z.literal(-1)]) })), {
    description: "The index's fields in order (a field may be a dotted path).",
  }),
  unique: z.boolean(),
};
const side = z.object({ cell: z.string(), tier: z.enum(["pool", "silo"]), database: z.string() });

/** What each event type's `data` holds, and when it happens. Never a secret, hash or token. */
const PAYLOADS: Record<EventType, { readonly summary: string; readonly data: Record<string, z.core.$ZodType> }> = {
  "organization.created": {
    summary: "An organization was signed up; its first owner is named.",
    data: { name: z.string(), slug: z.string(), owner: z.object(userFields) },
  },
  "organization.renamed": {
    summary: "The organization was renamed (its slug and collection with it).",
    data: { name: z.string(), slug: z.string(), previous_name: z.string(), previous_slug: z.string() },
  },
  "organization.deleted": {
    summary: "The organization and everything of it are gone.",
    data: { name: z.string(), slug: z.string() },
  },
  "organization.suspended": {
    summary: "The platform suspended the organization: nothing of it is served.",
    data: { reason: z.string(), name: z.string(), slug: z.string() },
  },
  "organization.reactivated": {
    summary: "The platform lifted a suspension.",
    data: { name: z.string(), slug: z.string() },
  },
  "organization.metadata_updated": {
    summary:
      "The platform changed the organization's metadata: the public metadata as it is now, only the keys of the private one.",
    data: {
      changed: z.array(z.enum(["public_metadata", "private_metadata"])),
      public_metadata: z.record(z.string(), z.unknown()),
      private_metadata_keys: z.array(z.string()),
    },
  },
  "member.added": {
    summary:
      "A user joined: by accepting an invitation (`invitation_id`), or without one (`via`): just in time through the organization's single sign-on (`sso`), or by the verified domain of their email (`domain`).",
    data: {
      ...userFields,
      role: z.string(),
      invitation_id: z.optional(z.string()),
      via: z.optional(z.enum(["sso", "domain"])),
      domain: meta(z.optional(z.string()), {
        description: "With `via: domain`: the verified domain (auto-join, or an approved join request).",
      }),
    },
  },
  "member.role_changed": {
    summary: "A member's role changed.",
    data: { ...userFields, from: z.string(), to: z.string() },
  },
  "member.removed": {
    summary: "A member was removed, or left (`left`).",
    data: { ...userFields, role: z.string(), left: z.boolean() },
  },
  "invitation.created": {
    summary: "Someone was invited (never the invitation's token).",
    data: { invitation_id: z.string(), email: z.string(), role: z.string(), invited_by: z.string() },
  },
  "invitation.accepted": {
    summary: "An invitation was accepted (a `member.added` comes with it).",
    data: { invitation_id: z.string(), email: z.string(), role: z.string(), user_id: z.string() },
  },
  "invitation.revoked": {
    summary: "An invitation was revoked before it was accepted.",
    data: { invitation_id: z.string(), email: z.string(), role: z.string() },
  },
  "user.email_changed": {
    summary: "A member confirmed a new email address (told to each organization of theirs).",
    data: { ...userFields, previous_email: z.string() },
  },
  "user.email_verified": { summary: "A member proved they receive mail at their address.", data: userFields },
  "user.password_changed": { summary: "A member's password was changed or reset.", data: userFields },
  "user.mfa_enabled": { summary: "A member turned on two-factor login.", data: userFields },
  "user.mfa_disabled": { summary: "A member turned off two-factor login.", data: userFields },
  "client.created": {
    summary: "A machine client was created (never its secret).",
    data: {
      client_id: z.string(),
      kind: z.enum(["organization", "platform"]),
      name: z.string(),
      scopes: z.array(z.string()),
    },
  },
  "client.secret_rotated": {
    summary: "A client's secret was added or deleted (only its public `secret_id`).",
    data: { client_id: z.string(), secret_id: z.string(), action: z.enum(["added", "deleted"]) },
  },
  "client.revoked": {
    summary: "A machine client was revoked: its tokens stop working.",
    data: { client_id: z.string(), kind: z.enum(["organization", "platform"]), name: z.string() },
  },
  "tenant.moved": { summary: "The organization's data moved to another cell or tier.", data: { from: side, to: side } },
  "index.created": { summary: "An index was created on the organization's collection.", data: indexFields },
  "index.dropped": { summary: "An index was dropped.", data: indexFields },
  "webhook.disabled": {
    summary: "An endpoint failed every delivery for WEBHOOK_DISABLE_AFTER_DAYS and was disabled.",
    data: { webhook_id: z.string(), failing_since: z.string() },
  },
  "export.completed": {
    summary: "An export of the organization's data finished: its archive may be downloaded until `expires_at`.",
    data: {
      export_id: z.string(),
      documents: z.number(),
      bytes: meta(z.number(), { description: "The archive's size." }),
      sha256: meta(z.string(), { description: "The archive's SHA-256, hex." }),
      expires_at: z.string(),
    },
  },
  "organization.restored": {
    summary: "The platform restored the organization from an archive; `original_id` is its id in the archive.",
    data: {
      name: z.string(),
      slug: z.string(),
      original_id: z.string(),
      exported_at: z.string(),
      documents: z.number(),
    },
  },
};

const signatureHeaders = z.object({
  "webhook-id": meta(z.string(), { description: "The event's `id`: the same on every attempt (deduplicate by it)." }),
  "webhook-timestamp": meta(z.string(), { description: "When this attempt was signed, in seconds since the epoch." }),
  "webhook-signature": meta(z.string(), {
    description:
      "`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per signing secret, space-separated (two during a rotation). Verify with a Standard Webhooks library.",
  }),
});

/**
 * OpenAPI 3.1's top-level `webhooks`: what a receiver gets, one entry per event type, with the
 * shape of its `data`. The same body is in the feeds and in EventBridge's `detail`.
 */
export function eventWebhooks(): ZodOpenApiPathsObject {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          operationId: `event_${type.replace(".", "_")}`,
          tags: ["Events"],
          summary: PAYLOADS[type].summary,
          requestParams: { header: signatureHeaders },
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: z.extend(eventSchema, { type: z.literal(type), data: z.object(PAYLOADS[type].data) }),
              },
            },
          },
          responses: {
            "200": { description: "Any 2xx within 10 s is a delivery; anything else is tried again." },
          },
        },
      },
    ]),
  );
}
