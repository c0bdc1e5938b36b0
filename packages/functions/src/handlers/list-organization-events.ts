import { listOrganizationEvents } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { eventsOf } from "../http/events-query";
import { authenticatedActor } from "../http/request";

/** GET /org/events — events:read: the organization's events, oldest first, from a cursor. */
export const handler = httpEndpoint(
  async (event) =>
    eventsOf(event, (options) => authenticatedActor(event).then((actor) => listOrganizationEvents(actor, options))),
  { body: "none" },
);
