import { listAudit } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseQuery } from "../http/request";
import { auditQuery } from "../http/request-schemas";
import { json } from "../http/respond";
import { auditPageView } from "../http/views";

/** GET /org/audit — protected: the caller's organization's audit log, newest first, a page at a time. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { limit, before } = parseQuery(auditQuery, event);
    const page = await listAudit(actor, {
      ...(limit !== undefined && { limit }),
      ...(before !== undefined && { before }),
    });
    return json(200, auditPageView(page));
  },
  { body: "none" },
);
