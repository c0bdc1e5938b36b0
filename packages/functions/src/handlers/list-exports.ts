import { httpEndpoint } from "../http/endpoint";
import { listOwn } from "../http/export-operations";

/** GET /org/exports — org:export: the organization's exports, newest first. */
export const handler = httpEndpoint(listOwn, { body: "none" });
