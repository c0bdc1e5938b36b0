import {
  createWebhook,
  deleteWebhook,
  listWebhookMessages,
  listWebhooks,
  organizationWebhooks,
  platformWebhooks,
  replayWebhook,
  resendWebhookMessage,
  rotateWebhookSecret,
  updateWebhook,
  type WebhookOwner,
} from "@org-service/core";
import type { HttpEvent, HttpResult } from "./endpoint";
import {
  authenticatedActor,
  authenticatedPlatformActor,
  parseBody,
  parsePath,
  parseQuery,
  requestContextOf,
} from "./request";
import {
  webhookCreateBody,
  webhookIdPath,
  webhookMessagesQuery,
  webhookReplayBody,
  webhookResendBody,
  webhookUpdateBody,
} from "./request-schemas";
import { json } from "./respond";
import { createdWebhookView, webhookMessagePageView, webhookView } from "./views";

/**
 * The webhook operations, the same for an organization's endpoints (`/org/webhooks…`) and the
 * platform's (`/platform/webhooks…`): each route's handler names whose endpoints it serves, and
 * core checks the scope for that owner.
 */
export type OwnerOf = (event: HttpEvent) => Promise<WebhookOwner>;

export const organizationOwner: OwnerOf = async (event) => organizationWebhooks(await authenticatedActor(event));
export const platformReader: OwnerOf = async (event) =>
  platformWebhooks(await authenticatedPlatformActor(event), "platform:read");
export const platformWriter: OwnerOf = async (event) =>
  platformWebhooks(await authenticatedPlatformActor(event), "platform:write");

export async function createOperation(event: HttpEvent, ownerOf: OwnerOf): Promise<HttpResult> {
  const owner = await ownerOf(event);
  return json(
    201,
    createdWebhookView(await createWebhook(owner, parseBody(webhookCreateBody, event), requestContextOf(event))),
  );
}

export async function listOperation(event: HttpEvent, ownerOf: OwnerOf): Promise<HttpResult> {
  const webhooks = await listWebhooks(await ownerOf(event));
  return json(200, { webhooks: webhooks.map(webhookView) });
}

export async function updateOperation(event: HttpEvent, ownerOf: OwnerOf): Promise<HttpResult> {
  const owner = await ownerOf(event);
  const { webhook_id } = parsePath(webhookIdPath, event);
  return json(
    200,
    webhookView(await updateWebhook(owner, webhook_id, parseBody(webhookUpdateBody, event), requestContextOf(event))),
  );
}

export async function deleteOperation(event: HttpEvent, ownerOf: OwnerOf): Promise<HttpResult> {
  const owner = await ownerOf(event);
  await deleteWebhook(owner, parsePath(webhookIdPath, event).webhook_id, requestContextOf(event));
  return json(200, { deleted: true });
}

export async function rotateOperation(event: HttpEvent, ownerOf: OwnerOf): Promise<HttpResult> {
  const owner = await ownerOf(event);
  return json(
    200,
    await rotateWebhookSecret(owner, parsePath(webhookIdPath, event).webhook_id, requestContextOf(event)),
  );
}

export async function messagesOperation(event: HttpEvent, ownerOf: OwnerOf): Promise<HttpResult> {
  const owner = await ownerOf(event);
  const { webhook_id } = parsePath(webhookIdPath, event);
  const { state, limit, before } = parseQuery(webhookMessagesQuery, event);
  const page = await listWebhookMessages(owner, webhook_id, {
    ...(state && { state }),
    ...(limit !== undefined && { limit }),
    ...(before !== undefined && { before }),
  });
  return json(200, webhookMessagePageView(page));
}

export async function resendOperation(event: HttpEvent, ownerOf: OwnerOf): Promise<HttpResult> {
  const owner = await ownerOf(event);
  const { webhook_id } = parsePath(webhookIdPath, event);
  const { event_id } = parseBody(webhookResendBody, event);
  const message = await resendWebhookMessage(owner, webhook_id, event_id, requestContextOf(event));
  return json(202, webhookMessagePageView({ messages: [message] }).messages[0]);
}

export async function replayOperation(event: HttpEvent, ownerOf: OwnerOf): Promise<HttpResult> {
  const owner = await ownerOf(event);
  const { webhook_id } = parsePath(webhookIdPath, event);
  const replayed = await replayWebhook(owner, webhook_id, parseBody(webhookReplayBody, event), requestContextOf(event));
  return json(202, replayed);
}
