import { httpEndpoint } from "../http/endpoint";
import { getOwn } from "../http/export-operations";

/** GET /org/exports/{export_id} — org:export: an export's progress and, once completed, a link that downloads it for 15 minutes. */
export const handler = httpEndpoint(getOwn, { body: "none" });
