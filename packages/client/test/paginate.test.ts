import { describe, expect, it } from "vitest";
import { openApiDocument } from "@org-service/functions/openapi";
import { createClient, pagedLists, pages, paginate } from "../src/index";
import { BASE_URL, fakeService, json } from "./support/fake-service";

describe("the paged lists", () => {
  it("are every list of the OpenAPI document with a next_cursor, each with its cursor parameter and items field", () => {
    const document = openApiDocument() as unknown as {
      paths: Record<string, { get?: { parameters?: { name: string }[]; responses: Record<string, unknown> } }>;
      components: { schemas: Record<string, { properties?: Record<string, { type?: string }> }> };
    };
    const found: Record<string, { items: string; cursor: string }> = {};
    for (const [path, item] of Object.entries(document.paths)) {
      const answer = item.get?.responses["200"] as
        | { content?: Record<string, { schema: { $ref?: string; properties?: Record<string, { type?: string }> } }> }
        | undefined;
      const schema = answer?.content?.["application/json"]?.schema;
      const properties = schema?.$ref
        ? document.components.schemas[schema.$ref.split("/").at(-1)!]?.properties
        : schema?.properties;
      if (!properties?.next_cursor) continue;
      const items = Object.keys(properties).find((name) => properties[name]?.type === "array");
      // The query parameter that takes the previous page's `next_cursor`, as its description says.
      const cursor = item.get?.parameters?.find((parameter) =>
        JSON.stringify(parameter).includes("The `next_cursor` of the previous"),
      )?.name;
      found[path] = { items: items ?? "(no array)", cursor: cursor ?? "(not a parameter)" };
    }
    const table = Object.fromEntries(
      Object.entries(pagedLists).map(([path, { items, cursor }]) => [path, { items, cursor }]),
    );
    expect(found).toEqual(table);
  });
});

describe("paginate", () => {
  it("follows each list's own cursor parameter until a page has no next_cursor", async () => {
    const fake = fakeService({
      "GET /org/members": (_request, url) =>
        url.searchParams.get("cursor") === null
          ? json(200, { members: [{ user_id: "a" }, { user_id: "b" }], next_cursor: "c1" })
          : json(200, { members: [{ user_id: "c" }] }),
      "GET /org/audit": (_request, url) =>
        url.searchParams.get("before") === null
          ? json(200, { entries: [{ id: 1 }], next_cursor: "b1" })
          : json(200, { entries: [{ id: 2 }] }),
      "GET /org/webhooks/we_1/messages": (_request, url) =>
        json(200, { messages: [{ state: url.searchParams.get("state") }] }),
    });
    const api = createClient({ baseUrl: BASE_URL, fetch: fake.fetch });
    const members = [];
    for await (const member of paginate(api, "/org/members", { params: { query: { limit: 2 } } })) {
      members.push(member.user_id);
    }
    expect(members).toEqual(["a", "b", "c"]);
    expect(fake.requests.map((request) => new URL(request.url).search)).toEqual(["?limit=2", "?limit=2&cursor=c1"]);

    const audit = [];
    for await (const entry of paginate(api, "/org/audit")) audit.push(entry);
    expect(audit).toHaveLength(2);
    expect(new URL(fake.requests.at(-1)!.url).search).toBe("?before=b1");

    const messages = [];
    const init = { params: { path: { webhook_id: "we_1" }, query: { state: "failed" as const } } };
    for await (const message of paginate(api, "/org/webhooks/{webhook_id}/messages", init)) messages.push(message);
    expect(messages).toEqual([{ state: "failed" }]);
  });

  it("reads an event feed until has_more is false, keeping the last next_cursor for next time; breaking stops the requests", async () => {
    const fake = fakeService({
      "GET /org/events": (_request, url) => {
        const after = Number(url.searchParams.get("after") ?? 0);
        return json(200, {
          events: [{ sequence: after + 1 }],
          next_cursor: String(after + 1),
          has_more: after + 1 < 3,
        });
      },
    });
    const api = createClient({ baseUrl: BASE_URL, fetch: fake.fetch });
    let cursor: string | undefined;
    for await (const page of pages(api, "/org/events", { params: { query: { after: "0" } } }))
      cursor = page.next_cursor;
    expect(cursor).toBe("3");
    expect(fake.requests).toHaveLength(3);

    for await (const _event of paginate(api, "/org/events")) break;
    expect(fake.requests).toHaveLength(4);
  });
});
