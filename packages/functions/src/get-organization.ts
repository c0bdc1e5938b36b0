import { getOrganization, organizationNameSchema, verifyAccessToken } from "@org-service/core";
import { z } from "zod";
import { httpHandler } from "./http/handler";
import { bearerToken, parseQuery } from "./http/request";
import { json } from "./http/respond";
import { organizationView } from "./http/views";

export const getOrganizationQuery = z.strictObject({ organization_name: organizationNameSchema });

/**
 * GET /org/get — public. No authorizer runs on a public route, so a token sent along is verified
 * here; a valid one of this organization adds `admin_email`, anything else is treated as anonymous.
 */
export const handler = httpHandler(
  async (event) => {
    const { organization_name } = parseQuery(getOrganizationQuery, event);
    const token = bearerToken(event);
    const claims = token === undefined ? undefined : await verifyAccessToken(token);
    const viewer = claims && { adminId: claims.sub, organizationId: claims.org };
    return json(200, organizationView(await getOrganization(organization_name, viewer)));
  },
  { body: "none" },
);
