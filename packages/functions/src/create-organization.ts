import { createOrganization, emailSchema, organizationNameSchema, passwordSchema } from "@org-service/core";
import { z } from "zod";
import { httpHandler } from "./http/handler";
import { parseBody } from "./http/request";
import { json } from "./http/respond";
import { organizationView } from "./http/views";

export const createOrganizationBody = z.strictObject({
  organization_name: organizationNameSchema,
  email: emailSchema,
  password: passwordSchema,
});

/** POST /org/create — a new organization, its admin and its tenant collection. */
export const handler = httpHandler(
  async (event) => {
    const body = parseBody(createOrganizationBody, event);
    const organization = await createOrganization({
      organizationName: body.organization_name,
      email: body.email,
      password: body.password,
    });
    return json(201, organizationView(organization));
  },
  { body: "json" },
);
