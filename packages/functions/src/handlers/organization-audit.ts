import { listAudit } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseQuery } from "../http/request";
import { auditQuery } from "../http/request-schemas";
import { json } from "../http/respond";

/** GET /org/audit — protected: the caller's organization's audit log, newest first, a page at a time. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { limit, before } = parseQuery(auditQuery, event);
    const page = await listAudit(actor, {
      ...(limit !== undefined && { limit }),
      ...(before !== undefined && { before }),
    });
    return json(200, {
      entries: page.entries.map((entry) => ({
        id: entry.id,
        action: entry.action,
        at: entry.at.toISOString(),
        ...(entry.adminId && { admin_id: entry.adminId }),
        ...(entry.email && { email: entry.email }),
        ...(entry.sourceIp && { source_ip: entry.sourceIp }),
        ...(entry.requestId && { request_id: entry.requestId }),
        ...(entry.details && { details: entry.details }),
      })),
      ...(page.nextCursor && { next_cursor: page.nextCursor }),
    });
  },
  { body: "none" },
);
