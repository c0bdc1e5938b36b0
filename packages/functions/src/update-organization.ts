import { emailSchema, organizationNameSchema, passwordSchema, updateOrganization } from "@org-service/core";
import { z } from "zod";
import { httpHandler } from "./http/handler";
import { actorFrom, parseBody } from "./http/request";
import { json } from "./http/respond";
import { organizationView } from "./http/views";

export const updateOrganizationBody = z
  .strictObject({
    organization_name: organizationNameSchema,
    new_organization_name: organizationNameSchema.optional(),
    email: emailSchema.optional(),
    password: passwordSchema.optional(),
  })
  .refine((body) => body.new_organization_name !== undefined || body.email !== undefined || body.password !== undefined, {
    message: "give at least one of new_organization_name, email or password",
  });

/** PUT /org/update — protected: rename the organization and/or change the admin's credentials. */
export const handler = httpHandler(
  async (event) => {
    const actor = actorFrom(event);
    const body = parseBody(updateOrganizationBody, event);
    const organization = await updateOrganization(actor, {
      organizationName: body.organization_name,
      newOrganizationName: body.new_organization_name,
      email: body.email,
      password: body.password,
    });
    return json(200, organizationView(organization));
  },
  { body: "json" },
);
