// Sign up: a new organization, with its first owner.
import { api } from "./api.js";
import { onSubmit, paragraph } from "./dom.js";
import { organizationDetails } from "./panel-lookup.js";

onSubmit("signup", async (fields, form) => {
  const org = await api("POST", "org/create", { body: fields });
  form.reset();
  return [
    paragraph(`Created ${org.organization_name}. Sign in with your email and password to manage it.`),
    organizationDetails(org),
  ];
});
