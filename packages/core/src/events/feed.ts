import type { ObjectId } from "mongodb";
import { requireScope } from "../auth/permissions";
import { requirePlatformScope, type PlatformActor } from "../clients/authenticate";
import { database, type Database } from "../db/client";
import type { EventDocument } from "../db/documents";
import { ValidationError } from "../errors";
import { type Actor, ownOrganization, toObjectId } from "../organizations/model";
import { pageLimit } from "../paging";
import { EVENTS_PER_PAGE } from "./pages";
import { EVENTS_PAGE_MAX, type EventType, type ServiceEvent } from "./types";

export interface FeedOptions {
  /** The `next_cursor` of an earlier read; absent: from the first event. */
  readonly after?: string;
  readonly limit?: number;
  /** Only these types (the cursor still moves past the others). */
  readonly types?: readonly EventType[];
}

export interface FeedPage {
  readonly events: readonly ServiceEvent[];
  /** Where to read next: always present, also when nothing was found (it is where the feed ends now). */
  readonly next_cursor: string;
  /** Whether more events are there now; false: the feed's end, ask again later with the cursor. */
  readonly has_more: boolean;
}

/** Pages read for one request at most, so that a rare type costs a bounded read per call. */
const MAX_PAGES_PER_READ = 10;

/** The organization's events, oldest first (owners, admins, and clients granted `events:read`). */
export async function listOrganizationEvents(actor: Actor, options: FeedOptions = {}): Promise<FeedPage> {
  requireScope(actor, "events:read", "read the organization's events");
  const organizationId = toObjectId(actor.organizationId);
  if (!organizationId) return { events: [], next_cursor: "0", has_more: false };
  const db = await database();
  // A member's session is marked when the organization is suspended, and refused at authentication;
  // a machine client has no session, and its token lives on: the record says, read beside the feed.
  const [, page] = await Promise.all([
    actor.clientId ? ownOrganization(db, actor) : undefined,
    readFeed(db, organizationId, options),
  ]);
  return page;
}

/** Every organization's events, oldest first (platform clients with `platform:read`). */
export async function listPlatformEvents(actor: PlatformActor, options: FeedOptions = {}): Promise<FeedPage> {
  requirePlatformScope(actor, "platform:read", "read the events");
  return readFeed(await database(), undefined, options);
}

/**
 * Read a feed forward from a number: its numbers have no gaps and become visible in order
 * (events/append.ts), so the page after `after` is the events numbered `after + 1`, `after + 2`, …
 * up to the first not there yet — and a reader that keeps the cursor misses none, whichever writer
 * was slower. Each query asks for one page of numbers by equality, so a read costs the same at any
 * length of the feed.
 */
export async function readFeed(
  db: Database,
  organizationId: ObjectId | undefined,
  options: FeedOptions,
): Promise<FeedPage> {
  const limit = pageLimit(options.limit, 50, EVENTS_PAGE_MAX);
  let position = cursorPosition(options.after);
  const organizationKey = organizationId?.toHexString();
  const numberOf = (event: EventDocument) => (organizationKey ? (event.org_seq ?? 0) : event.seq);
  const wanted = options.types && options.types.length > 0 ? new Set<string>(options.types) : undefined;
  const events: ServiceEvent[] = [];
  let atEnd = false;
  for (let read = 0; read < MAX_PAGES_PER_READ && events.length < limit && !atEnd; read++) {
    const page = Math.floor((position + 1) / EVENTS_PER_PAGE);
    const found = await db.events
      .find(organizationKey ? { org_page: `${organizationKey}:${page}` } : { page })
      .toArray();
    const byNumber = new Map(found.map((event) => [numberOf(event), event]));
    for (;;) {
      const next = byNumber.get(position + 1);
      if (!next) {
        // Not there yet (the feed's end), or the page is done and the next one is to be read.
        atEnd = position + 1 < (page + 1) * EVENTS_PER_PAGE;
        break;
      }
      position++;
      if (!wanted || wanted.has(next.type)) events.push(toServiceEvent(next));
      if (events.length === limit) break;
    }
  }
  return { events, next_cursor: String(position), has_more: !atEnd };
}

export function toServiceEvent(event: EventDocument): ServiceEvent {
  return {
    id: event._id,
    type: event.type,
    ...(event.organization_id && { organization_id: event.organization_id.toHexString() }),
    actor: event.actor,
    occurred_at: event.at.toISOString(),
    data: event.data,
  };
}

/** A cursor is the number of the last event read: decimal, as `next_cursor` gave it. */
function cursorPosition(after: string | undefined): number {
  if (after === undefined) return 0;
  if (!/^\d{1,15}$/.test(after)) {
    throw new ValidationError([{ path: "after", message: "is not a cursor from an earlier read" }]);
  }
  return Number(after);
}
