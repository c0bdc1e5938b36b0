import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { dispatchEvents, resetConfig } from "@org-service/core";
import { database } from "@org-service/core/testing";
import { ObjectId } from "mongodb";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type EventDispatcher, startEventDispatcher } from "../src/event-dispatcher";
import { httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";
import { platformToken } from "./support/platform-token";

/**
 * Events over HTTP: the feeds, and webhooks received by a real HTTP server on loopback that
 * verifies every delivery with the Standard Webhooks reference library. Delivery runs in this
 * process with a resolver the test controls (no name is ever looked up in DNS) and a connect hook
 * that records any connection to an address other than loopback.
 */
const server = useLocalServer({
  bcryptCost: 4,
  dispatchEvents: false,
  prepare: async () => {
    process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS = "true";
  },
});
const call = httpClient(server.url);
const PASSWORD = "password-123";
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

/** Names the test resolves: the receiver on loopback, and one that points into a private network. */
const NAMES: Record<string, string> = { "receiver.test": "127.0.0.1", "internal.test": "10.0.0.5" };
const resolve = async (hostname: string) => {
  const address = NAMES[hostname];
  if (!address) throw Object.assign(new Error(`unknown test name ${hostname}`), { code: "ENOTFOUND" });
  return [{ address, family: 4 as const }];
};
/** Every connection delivery starts; anything but loopback fails the test — and is stopped before a packet leaves. */
const connections: string[] = [];
const onConnect = (address: string) => {
  connections.push(address);
  if (address !== "127.0.0.1") throw new Error(`a delivery tried to connect to ${address}`);
};
const send = { resolve, onConnect, timeoutMs: 2_000 };

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
const received: Received[] = [];
/** What a path answers, in turn (the last one again and again). */
const answers = new Map<string, number[]>();
let receiver: Server;
let receiverUrl: string;
let dispatcher: EventDispatcher;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      const path = request.url ?? "/";
      received.push({ path, headers: request.headers, body });
      const queue = answers.get(path) ?? [204];
      const status = queue.length > 1 ? queue.shift()! : queue[0]!;
      response.writeHead(status, { "content-type": "text/plain" });
      response.end(status >= 300 ? `no thanks ${"x".repeat(3000)}` : "");
    });
  });
  await new Promise<void>((ready) => receiver.listen(0, "127.0.0.1", ready));
  receiverUrl = `http://receiver.test:${(receiver.address() as AddressInfo).port}`;
  dispatcher = startEventDispatcher({ send });
});

afterAll(async () => {
  await dispatcher.stop();
  await new Promise<void>((done) => receiver.close(() => done()));
  delete process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS;
  resetConfig();
  expect(connections.filter((address) => address !== "127.0.0.1")).toEqual([]);
});

async function signUp() {
  const email = `owner.${unique()}@events.example`;
  const name = `Events ${unique()}`;
  const created = await call("POST", "/org/create", { json: { organization_name: name, email, password: PASSWORD } });
  expect(created.status, created.text).toBe(201);
  const login = await call("POST", "/admin/login", { json: { email, password: PASSWORD, organization_name: name } });
  expect(login.status, login.text).toBe(200);
  return { id: created.json.organization_id as string, name, token: login.json.access_token as string };
}

async function endpoint(token: string, path: string, eventTypes: string[], prefix = "/org") {
  const created = await call("POST", `${prefix}/webhooks`, {
    token,
    json: { url: `${receiverUrl}${path}`, event_types: eventTypes },
  });
  expect(created.status, created.text).toBe(201);
  return { id: created.json.id as string, secret: created.json.secret as string };
}

async function invite(token: string) {
  const email = `invitee.${unique()}@events.example`;
  const invited = await call("POST", "/org/invitations", { token, json: { email, role: "member" } });
  expect(invited.status, invited.text).toBe(201);
  return email;
}

/** The deliveries to `path`, once there are at least `count` (bounded wait: delivery runs on every append). */
async function deliveriesTo(path: string, count: number): Promise<Received[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = received.filter((delivery) => delivery.path === path);
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((next) => setTimeout(next, 20));
  }
}

function verified(secret: string, delivery: Received) {
  return new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>) as {
    id: string;
    type: string;
    data: Record<string, unknown>;
  };
}

describe("webhooks", () => {
  it("deliver a change to a live receiver, signed so that a Standard Webhooks library verifies it", async () => {
    const owner = await signUp();
    const { secret } = await endpoint(owner.token, "/live", ["invitation.created"]);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    const email = await invite(owner.token);

    const [delivery] = await deliveriesTo("/live", 1);
    const payload = verified(secret, delivery!);
    expect(payload).toMatchObject({ type: "invitation.created", organization_id: owner.id, data: { email } });
    expect(delivery!.headers["webhook-id"]).toBe(payload.id);
    expect(JSON.stringify(payload)).not.toMatch(/token/i);
    // The feed holds the very same event.
    const feed = await call("GET", "/org/events?types=invitation.created", { token: owner.token });
    expect(feed.status, feed.text).toBe(200);
    expect(feed.json.events).toEqual([payload]);
    // A forged body does not verify.
    expect(() =>
      verified(secret, { ...delivery!, body: delivery!.body.replace(email, "other@events.example") }),
    ).toThrow();
  });

  it("retry a failing receiver with the same webhook-id, record every attempt, and resend a message on demand", async () => {
    const owner = await signUp();
    answers.set("/flaky", [500, 503, 200]);
    const { id, secret } = await endpoint(owner.token, "/flaky", ["invitation.created"]);
    await invite(owner.token);
    await deliveriesTo("/flaky", 1);
    // The retries fall due after 5 s, then 5 min: the clock moved on instead of waiting.
    await dispatchEvents({ now: new Date(Date.now() + 6_000), send });
    await dispatchEvents({ now: new Date(Date.now() + 3_600_000), send });
    const deliveries = await deliveriesTo("/flaky", 3);
    expect(deliveries).toHaveLength(3);
    expect(new Set(deliveries.map((delivery) => delivery.headers["webhook-id"])).size).toBe(1);
    for (const delivery of deliveries) verified(secret, delivery);

    const messages = await call("GET", `/org/webhooks/${id}/messages`, { token: owner.token });
    expect(messages.status, messages.text).toBe(200);
    const [message] = messages.json.messages;
    expect(message.state).toBe("delivered");
    expect(message.attempts.map((attempt: { response_status: number }) => attempt.response_status)).toEqual([
      500, 503, 200,
    ]);
    expect(message.attempts[0].response_body).toHaveLength(1024);

    const resent = await call("POST", `/org/webhooks/${id}/resend`, {
      token: owner.token,
      json: { event_id: message.event_id },
    });
    expect(resent.status, resent.text).toBe(202);
    const again = await deliveriesTo("/flaky", 4);
    expect(again[3]!.headers["webhook-id"]).toBe(message.event_id);
  });

  it("disable an endpoint that failed everything for five days, and say so in an event", async () => {
    const owner = await signUp();
    answers.set("/down", [503]);
    const { id } = await endpoint(owner.token, "/down", ["invitation.created"]);
    await invite(owner.token);
    await deliveriesTo("/down", 1);
    await dispatchEvents({ now: new Date(Date.now() + 6 * 86_400_000), send });

    const listed = await call("GET", "/org/webhooks", { token: owner.token });
    expect(listed.json.webhooks).toEqual([expect.objectContaining({ id, enabled: false, disabled_reason: "failing" })]);
    const feed = await call("GET", "/org/events?types=webhook.disabled", { token: owner.token });
    expect(feed.json.events).toEqual([
      expect.objectContaining({ type: "webhook.disabled", data: expect.objectContaining({ webhook_id: id }) }),
    ]);

    const enabled = await call("PATCH", `/org/webhooks/${id}`, { token: owner.token, json: { enabled: true } });
    expect(enabled.status, enabled.text).toBe(200);
    expect(enabled.json).toMatchObject({ enabled: true });
  });

  it("sign with the old secret and the new one for a day after a rotation", async () => {
    const owner = await signUp();
    const { id, secret } = await endpoint(owner.token, "/rotated", ["invitation.created"]);
    const rotated = await call("POST", `/org/webhooks/${id}/rotate-secret`, { token: owner.token });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json.secret).not.toBe(secret);
    await invite(owner.token);
    const [delivery] = await deliveriesTo("/rotated", 1);
    expect(String(delivery!.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    verified(secret, delivery!);
    verified(rotated.json.secret, delivery!);
  });

  it("replay an endpoint from a time: every event it wants since then, again", async () => {
    const owner = await signUp();
    const since = new Date(Date.now() - 1000).toISOString();
    await invite(owner.token);
    await invite(owner.token);
    const { id } = await endpoint(owner.token, "/replayed", ["invitation.created"]);
    const replayed = await call("POST", `/org/webhooks/${id}/replay`, { token: owner.token, json: { since } });
    expect(replayed.status, replayed.text).toBe(202);
    expect(replayed.json).toEqual({ queued: 2 });
    expect(await deliveriesTo("/replayed", 2)).toHaveLength(2);
  });

  it("reach, from the platform, the organizations an endpoint names and no other", async () => {
    const [one, other] = [await signUp(), await signUp()];
    const { token: platform } = await platformToken(call);
    const created = await call("POST", "/platform/webhooks", {
      token: platform,
      json: { url: `${receiverUrl}/platform`, event_types: ["invitation.created"], organization_ids: [one.id] },
    });
    expect(created.status, created.text).toBe(201);
    await invite(other.token);
    const email = await invite(one.token);
    const [delivery] = await deliveriesTo("/platform", 1);
    expect(verified(created.json.secret, delivery!)).toMatchObject({ organization_id: one.id, data: { email } });
    // The platform's feed has both organizations' events; an organization's token is no platform token.
    const feed = await call("GET", "/platform/events?types=invitation.created", { token: platform });
    expect(feed.json.events.map((event: { organization_id: string }) => event.organization_id)).toEqual(
      expect.arrayContaining([one.id, other.id]),
    );
    // A user's token lacks the platform's scopes: refused at the gateway.
    expect((await call("GET", "/platform/events", { token: one.token })).status).toBe(403);
    expect((await call("GET", "/platform/webhooks", { token: one.token })).status).toBe(403);
  });

  it("refuse, at delivery, a target that resolves to a private address: no connection starts", async () => {
    const owner = await signUp();
    process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS = "false";
    resetConfig();
    try {
      const refused = await call("POST", "/org/webhooks", {
        token: owner.token,
        json: { url: "https://127.0.0.1/hook", event_types: ["invitation.created"] },
      });
      expect(refused.status).toBe(422);
      const plain = await call("POST", "/org/webhooks", {
        token: owner.token,
        json: { url: "http://hooks.example.com/hook", event_types: ["invitation.created"] },
      });
      expect(plain.status).toBe(422);
      const { id } = await endpoint(owner.token, "", ["invitation.created"]).catch(() => ({ id: "" }));
      expect(id).toBe(""); // http:// to the receiver is refused as well
      const created = await call("POST", "/org/webhooks", {
        token: owner.token,
        json: { url: "https://internal.test/hook", event_types: ["invitation.created"] },
      });
      expect(created.status, created.text).toBe(201);
      const before = connections.length;
      await invite(owner.token);
      await dispatchEvents({ send });
      const messages = await call("GET", `/org/webhooks/${created.json.id}/messages`, { token: owner.token });
      const [attempt] = messages.json.messages[0].attempts;
      expect(attempt).toMatchObject({ state: "failed" });
      expect(attempt.error).toMatch(/private, loopback or link-local/);
      expect(connections.length).toBe(before);
      // Its retries would find private targets allowed again: it goes before they are.
      expect((await call("DELETE", `/org/webhooks/${created.json.id}`, { token: owner.token })).status).toBe(200);
    } finally {
      process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS = "true";
      resetConfig();
    }
  });

  it("answer bad input with problems, and never show a secret again", async () => {
    const owner = await signUp();
    const bad = await call("POST", "/org/webhooks", {
      token: owner.token,
      json: { url: `${receiverUrl}/x`, event_types: ["member.exploded"] },
    });
    expect(bad.status).toBe(422);
    expect(bad.contentType).toMatch(/problem\+json/);
    const { id, secret } = await endpoint(owner.token, "/quiet", ["member.added"]);
    const listed = await call("GET", "/org/webhooks", { token: owner.token });
    expect(listed.text).not.toContain(secret);
    // Another organization's endpoint is nobody else's: 404, as if it did not exist.
    const stranger = await signUp();
    expect((await call("DELETE", `/org/webhooks/${id}`, { token: stranger.token })).status).toBe(404);
    expect((await call("GET", "/org/events?after=x", { token: owner.token })).status).toBe(422);
    expect((await call("DELETE", `/org/webhooks/${id}`, { token: owner.token })).status).toBe(200);
  });
});

describe("webhooks, kept in bounds", () => {
  it("carry on a message whose attempt a dead dispatcher left `sending`, as a failed attempt", async () => {
    const owner = await signUp();
    answers.set("/resumed", [204]);
    const { id } = await endpoint(owner.token, "/resumed", ["member.role_changed"]);
    const db = await database();
    const [event] = await db.events
      .find({ organization_id: new ObjectId(owner.id) })
      .limit(1)
      .toArray();
    const messageId = `${id}:${event!._id}`;
    const longAgo = new Date(Date.now() - 120_000);
    await db.webhookMessages.insertOne({
      _id: messageId,
      endpoint_id: id,
      event_id: event!._id,
      state: "pending",
      attempts: 0,
      next_attempt_at: longAgo,
      created_at: longAgo,
      updated_at: longAgo,
    });
    await db.webhookAttempts.insertOne({
      _id: `${messageId}:1`,
      message_id: messageId,
      endpoint_id: id,
      event_id: event!._id,
      number: 1,
      at: longAgo,
      state: "sending",
    });
    await dispatchEvents({ send });
    await dispatchEvents({ now: new Date(Date.now() + 6_000), send });
    const messages = await call("GET", `/org/webhooks/${id}/messages`, { token: owner.token });
    expect(messages.json.messages[0]).toMatchObject({ state: "delivered" });
    expect(messages.json.messages[0].attempts.map((attempt: { state: string }) => attempt.state)).toEqual([
      "failed",
      "succeeded",
    ]);
  });

  it("refuse a replay while a thousand messages wait, and audit every change of an endpoint without its path", async () => {
    const owner = await signUp();
    const { id } = await endpoint(owner.token, "/secret-path?token=abc", ["member.role_changed"]);
    const db = await database();
    const later = new Date(Date.now() + 86_400_000);
    await db.webhookMessages.insertMany(
      Array.from({ length: 1001 }, (_, i) => ({
        _id: `${id}:evt_waiting_${i}`,
        endpoint_id: id,
        event_id: `evt_waiting_${i}`,
        state: "pending" as const,
        attempts: 1,
        next_attempt_at: later,
        created_at: later,
        updated_at: later,
      })),
    );
    const replay = await call("POST", `/org/webhooks/${id}/replay`, {
      token: owner.token,
      json: { since: "2026-01-01T00:00:00Z" },
    });
    expect(replay.status, replay.text).toBe(409);
    const audit = await call("GET", "/org/audit", { token: owner.token });
    const created = audit.json.entries.find((entry: { action: string }) => entry.action === "webhook.created");
    expect(created.details).toEqual({ webhook_id: id, origin: receiverUrl });
    expect(audit.text).not.toContain("secret-path");
  });

  it("go with their organization when it is deleted", async () => {
    const owner = await signUp();
    await endpoint(owner.token, "/gone", ["member.role_changed"]);
    const deleted = await call("DELETE", `/org/delete?${new URLSearchParams({ organization_name: owner.name })}`, {
      token: owner.token,
    });
    expect(deleted.status, deleted.text).toBe(200);
    const db = await database();
    expect(await db.webhooks.countDocuments({ organization_id: new ObjectId(owner.id) })).toBe(0);
  });
});

describe("EventBridge", () => {
  it("puts every event on the stage's bus: source org-service, detail-type its type, the event as detail", async () => {
    const put = vi
      .spyOn(EventBridgeClient.prototype, "send")
      .mockResolvedValue({ FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] } as never);
    process.env.EVENT_BUS_NAME = "org-service-test-bus";
    resetConfig();
    try {
      const owner = await signUp();
      const email = await invite(owner.token);
      const mine = async () => {
        await dispatchEvents({ send });
        return put.mock.calls
          .map(
            ([command]) => (command as unknown as { input: { Entries: Record<string, string>[] } }).input.Entries[0]!,
          )
          .find((entry) => entry.DetailType === "invitation.created" && entry.Detail!.includes(email));
      };
      await vi.waitFor(async () => expect(await mine()).toBeDefined(), { timeout: 5_000, interval: 50 });
      const entry = await mine();
      expect(entry).toMatchObject({ EventBusName: "org-service-test-bus", Source: "org-service" });
      expect(JSON.parse(entry!.Detail!)).toMatchObject({ type: "invitation.created", organization_id: owner.id });
    } finally {
      delete process.env.EVENT_BUS_NAME;
      resetConfig();
      put.mockRestore();
    }
  });
});

describe("the feeds", () => {
  it("serve an organization's events in order, a page at a time, from a cursor", async () => {
    const owner = await signUp();
    for (let i = 0; i < 3; i++) await invite(owner.token);
    const first = await call("GET", "/org/events?limit=2", { token: owner.token });
    expect(first.status, first.text).toBe(200);
    expect(first.json.events.map((event: { type: string }) => event.type)).toEqual([
      "organization.created",
      "invitation.created",
    ]);
    expect(first.json.has_more).toBe(true);
    const rest = await call("GET", `/org/events?after=${first.json.next_cursor}`, { token: owner.token });
    expect(rest.json.events).toHaveLength(2);
    expect(rest.json.has_more).toBe(false);
    const end = await call("GET", `/org/events?after=${rest.json.next_cursor}`, { token: owner.token });
    expect(end.json).toEqual({ events: [], next_cursor: rest.json.next_cursor, has_more: false });
  });
});
