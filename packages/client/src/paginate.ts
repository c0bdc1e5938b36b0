import type { FetchOptions } from "openapi-fetch";
import type { RequiredKeysOf } from "openapi-typescript-helpers";
import type { OrgServiceClient } from "./client.js";
import type { paths } from "./schema.js";

/**
 * Every paged list of the API: the field of a page that holds its items, and the query parameter
 * that takes the previous page's `next_cursor` — the lists do not all call it the same (`cursor`,
 * `before` for the newest-first logs, `after` for the event feeds). test/paginate.test.ts checks
 * this table against the OpenAPI document, so a new paged list cannot be left out.
 *
 * `feed`: the event feeds always answer a `next_cursor` (where to read from next time) and say with
 * `has_more` whether there is more now; the other lists stop at the page without `next_cursor`.
 */
export const pagedLists = {
  "/org/members": { items: "members", cursor: "cursor" },
  "/org/invitations": { items: "invitations", cursor: "cursor" },
  "/me/sessions": { items: "sessions", cursor: "cursor" },
  "/org/data/documents": { items: "documents", cursor: "cursor" },
  "/org/join-requests": { items: "requests", cursor: "cursor" },
  "/org/audit": { items: "entries", cursor: "before" },
  "/org/events": { items: "events", cursor: "after", feed: true },
  "/org/webhooks/{webhook_id}/messages": { items: "messages", cursor: "before" },
  "/platform/organizations": { items: "organizations", cursor: "cursor" },
  "/platform/events": { items: "events", cursor: "after", feed: true },
  "/platform/webhooks/{webhook_id}/messages": { items: "messages", cursor: "before" },
} as const satisfies {
  readonly [P in keyof paths]?: { readonly items: string; readonly cursor: string; readonly feed?: true };
};

export type PagedPath = keyof typeof pagedLists;
type ListOperation<P extends PagedPath> = paths[P]["get"];
export type Page<P extends PagedPath> = ListOperation<P>["responses"][200]["content"]["application/json"];
export type PageItem<P extends PagedPath> = Page<P>[(typeof pagedLists)[P]["items"] &
  keyof Page<P>] extends readonly (infer Item)[]
  ? Item
  : never;

/** The list's parameters (path parameters, filters, `limit`; a cursor to start from); required when the path has parameters. */
export type PageInit<P extends PagedPath> = FetchOptions<ListOperation<P>>;
type PageArguments<P extends PagedPath> =
  RequiredKeysOf<PageInit<P>> extends never ? [init?: PageInit<P>] : [init: PageInit<P>];

interface LooseInit {
  readonly params?: { readonly query?: Record<string, unknown>; readonly path?: Record<string, unknown> };
  readonly [option: string]: unknown;
}
type LooseGet = (path: string, init: LooseInit) => Promise<{ data: Record<string, unknown> }>;

/**
 * The pages of a list, one request each, as they are needed: breaking out of the loop stops the
 * requests. For an event feed, the last page's `next_cursor` is where to read from next time.
 */
export async function* pages<P extends PagedPath>(
  client: OrgServiceClient,
  path: P,
  ...[init]: PageArguments<P>
): AsyncGenerator<Page<P>, void, undefined> {
  const list: { readonly cursor: string; readonly feed?: true } = pagedLists[path];
  // The table ties each path to its types; one loop serves them all, so it calls GET untyped.
  const get = client.GET as unknown as LooseGet;
  const loose = init as LooseInit | undefined;
  let query: Record<string, unknown> = { ...loose?.params?.query };
  for (;;) {
    const { data } = await get(path, { ...loose, params: { ...loose?.params, query } });
    yield data as Page<P>;
    const next = data.next_cursor;
    const more = list.feed ? data.has_more === true : next !== undefined;
    if (!more || typeof next !== "string") return;
    // A cursor that does not move would read the same page forever.
    if (next === query[list.cursor]) throw new Error(`${path}: the next_cursor did not move past ${next}`);
    query = { ...query, [list.cursor]: next };
  }
}

/**
 * Every item of a paged list, page after page: `for await (const member of paginate(api, "/org/members"))`.
 */
export async function* paginate<P extends PagedPath>(
  client: OrgServiceClient,
  path: P,
  ...init: PageArguments<P>
): AsyncGenerator<PageItem<P>, void, undefined> {
  const items = pagedLists[path].items;
  for await (const page of pages(client, path, ...init)) {
    yield* (page as Record<string, unknown>)[items] as PageItem<P>[];
  }
}
