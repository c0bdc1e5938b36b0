import * as z from "zod/mini";
import { EVENT_TYPES } from "../events/types";

/**
 * The shapes of webhook requests, shared by core (which parses again) and the HTTP layer's request
 * schemas. Free of the driver, so a bundle that validates input carries only this.
 */
const WEBHOOK_DESCRIPTION_MAX = 200;
/** Endpoints an organization may have; a platform has ten times as many. */
export const WEBHOOKS_PER_ORGANIZATION = 20;

const eventTypes = z.array(z.enum(EVENT_TYPES)).check(z.minLength(1), z.maxLength(EVENT_TYPES.length));
const description = z.string().check(z.maxLength(WEBHOOK_DESCRIPTION_MAX));
const objectIdText = z.string().check(z.regex(/^[0-9a-f]{24}$/, "must be an organization id"));

export const webhookCreateSchema = z.strictObject({
  url: z.string().check(z.maxLength(2048)),
  event_types: eventTypes,
  description: z.optional(description),
  /** Platform endpoints only: the organizations it receives (absent: all). */
  organization_ids: z.optional(z.array(objectIdText).check(z.minLength(1), z.maxLength(100))),
});

export const webhookUpdateSchema = z.strictObject({
  url: z.optional(z.string().check(z.maxLength(2048))),
  event_types: z.optional(eventTypes),
  description: z.optional(description),
  /** Platform endpoints only; `null` receives every organization's again. */
  organization_ids: z.optional(z.nullable(z.array(objectIdText).check(z.minLength(1), z.maxLength(100)))),
  /** `false` disables it (nothing is delivered, nothing queued); `true` enables it again. */
  enabled: z.optional(z.boolean()),
});

export const webhookReplaySchema = z.strictObject({
  /** Every event at or after this time is delivered again. */
  since: z.iso.datetime({ offset: true }),
});

export type WebhookCreateInput = z.input<typeof webhookCreateSchema>;
export type WebhookUpdateInput = z.input<typeof webhookUpdateSchema>;
export type WebhookReplayInput = z.input<typeof webhookReplaySchema>;
