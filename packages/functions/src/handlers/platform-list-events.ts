import { listPlatformEvents } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { eventsOf } from "../http/events-query";
import { authenticatedPlatformActor } from "../http/request";

/** GET /platform/events — platform:read: every organization's events, oldest first, from a cursor. */
export const handler = httpEndpoint(
  async (event) =>
    eventsOf(event, (options) => authenticatedPlatformActor(event).then((actor) => listPlatformEvents(actor, options))),
  { body: "none" },
);
