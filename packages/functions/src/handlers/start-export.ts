import { httpEndpoint } from "../http/endpoint";
import { startOwn } from "../http/export-operations";

/** POST /org/exports — org:export (owners): start an export of the organization's data (202; one at a time). */
export const handler = httpEndpoint(startOwn, { body: "none" });
