// The public lookup: any organization by name, as anyone may see it.
import { api } from "./api.js";
import { details, onSubmit, paragraph } from "./dom.js";

/** An organization as `GET /org/get` and `POST /org/create` answer it; the admin email only to its members. */
export function organizationDetails(org) {
  return details([
    ["Name", org.organization_name],
    ["Collection", org.collection_name],
    ["Admin email", org.admin_email],
    ["Id", org.organization_id],
    ["Created", org.created_at && new Date(org.created_at).toLocaleString()],
  ]);
}

onSubmit("lookup", async (fields) => {
  const query = new URLSearchParams({ organization_name: fields.organization_name });
  const org = await api("GET", `org/get?${query}`);
  return [paragraph(`Found ${org.organization_name}.`), organizationDetails(org)];
});
