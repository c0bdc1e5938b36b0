import type { EventType, FeedOptions, FeedPage } from "@org-service/core";
import type { HttpEvent, HttpResult } from "./endpoint";
import { parseQuery } from "./request";
import { eventsQuery } from "./request-schemas";
import { json } from "./respond";
import { eventPageView } from "./views";

/** A feed read as both feeds take it: `after`, `limit`, `types` (comma-separated). */
export async function eventsOf(
  event: HttpEvent,
  read: (options: FeedOptions) => Promise<FeedPage>,
): Promise<HttpResult> {
  const { after, limit, types } = parseQuery(eventsQuery, event);
  const page = await read({
    ...(after !== undefined && { after }),
    ...(limit !== undefined && { limit }),
    ...(types !== undefined && { types: types.split(",").map((type) => type.trim() as EventType) }),
  });
  return json(200, eventPageView(page));
}
