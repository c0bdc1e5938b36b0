import { listOrganizations } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedPlatformActor, parseQuery, requestContextOf } from "../http/request";
import { platformOrganizationsQuery } from "../http/request-schemas";
import { json } from "../http/respond";
import { platformOrganizationPageView } from "../http/views";

/** GET /platform/organizations — platform:read: every organization, newest first, searched and filtered, a page at a time. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedPlatformActor(event);
    const query = parseQuery(platformOrganizationsQuery, event);
    const page = await listOrganizations(actor, query, requestContextOf(event));
    return json(200, platformOrganizationPageView(page));
  },
  { body: "none" },
);
