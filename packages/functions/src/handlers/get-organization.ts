import { authenticateOptionally, getOrganization } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { bearerToken, parseQuery } from "../http/request";
import { getOrganizationQuery } from "../http/request-schemas";
import { json } from "../http/respond";
import { organizationView } from "../http/views";

/**
 * GET /org/get — public. No authorizer runs on a public route, so a token sent along is verified
 * here; a valid, current one of this organization adds `admin_email`, anything else is treated as
 * anonymous.
 */
export const handler = httpEndpoint(
  async (event) => {
    const { organization_name } = parseQuery(getOrganizationQuery, event);
    const viewer = await authenticateOptionally(bearerToken(event));
    return json(200, organizationView(await getOrganization(organization_name, viewer)));
  },
  { body: "none" },
);
