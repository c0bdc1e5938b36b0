import { createHash } from "node:crypto";
import { database, mailedToken } from "@org-service/core/testing";
import { describe, expect, it } from "vitest";
import { httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";
import { platformToken } from "./support/platform-token";

/**
 * Export and restore over HTTP: an owner exports, follows the export to its end and downloads the
 * archive by its link (checked against the SHA-256 the API gives); the organization is deleted and
 * a platform client restores it from the kept export, then from the uploaded file under another
 * name; the restored owner sets a password through the mailed link, signs in and finds every
 * document. Refusals answer problems and leave nothing; the link is refused when forged or turned
 * to another use.
 */
const server = useLocalServer({ bcryptCost: 4 });
const call = httpClient(server.url);
const PASSWORD = "password-123";
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function signUp() {
  const name = `Portable ${unique()}`;
  const email = `owner.${unique()}@archives.example`;
  const created = await call("POST", "/org/create", { json: { organization_name: name, email, password: PASSWORD } });
  expect(created.status, created.text).toBe(201);
  const login = await call("POST", "/admin/login", { json: { email, password: PASSWORD } });
  expect(login.status, login.text).toBe(200);
  return { name, email, id: created.json.organization_id as string, token: login.json.access_token as string };
}

/** Polls an export until it is no longer running. */
async function finished(path: string, token: string) {
  for (let i = 0; i < 200; i++) {
    const answer = await call("GET", path, { token });
    expect(answer.status, answer.text).toBe(200);
    if (answer.json.state !== "running") return answer.json;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} still running`);
}

async function upload(path: string, token: string, archive: Buffer, contentType = "application/gzip") {
  const response = await fetch(`${server.url()}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": contentType },
    body: archive,
  });
  return { status: response.status, contentType: response.headers.get("content-type"), json: await response.json() };
}

describe("export and restore over HTTP", () => {
  it("exports, downloads, deletes, restores twice and signs the restored owner in", async () => {
    const owner = await signUp();
    const documents = Array.from({ length: 12 }, (_, i) => ({ _id: `doc-${i}`, i, nested: { tags: ["a", i] } }));
    for (const document of documents) {
      const inserted = await call("POST", "/org/data/documents", { token: owner.token, json: document });
      expect(inserted.status, inserted.text).toBe(201);
    }
    expect((await call("POST", "/org/data/indexes", { token: owner.token, json: { keys: { i: 1 } } })).status).toBe(
      201,
    );

    const started = await call("POST", "/org/exports", { token: owner.token });
    expect(started.status, started.text).toBe(202);
    expect(started.json).toMatchObject({ state: "running", organization_id: owner.id, private_metadata: false });
    const done = await finished(`/org/exports/${started.json.id}`, owner.token);
    expect(done).toMatchObject({ state: "completed", documents_exported: 12 });
    expect(done.archive.counts).toMatchObject({ documents: 12, indexes: 1, members: 1 });
    const listed = await call("GET", "/org/exports", { token: owner.token });
    expect(listed.json.exports.map((entry: { id: string }) => entry.id)).toEqual([started.json.id]);
    expect(listed.json.exports[0].download_url).toBeUndefined();

    const download = await fetch(done.download_url);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="[0-9a-f]{24}-.*\.tar\.gz"$/);
    const archive = Buffer.from(await download.arrayBuffer());
    expect(archive.length).toBe(done.archive.bytes);
    expect(createHash("sha256").update(archive).digest("hex")).toBe(done.archive.sha256);

    // The link's token is good for that download alone: altered, or an access token in its place, it finds nothing.
    const link = new URL(done.download_url);
    const token = link.searchParams.get("token")!;
    link.searchParams.set("token", `${token.slice(0, -4)}AAAA`);
    const forged = await fetch(link);
    expect([forged.status, forged.headers.get("content-type")]).toEqual([404, "application/problem+json"]);
    link.searchParams.set("token", owner.token);
    expect((await fetch(link)).status).toBe(404);

    const deleted = await call("DELETE", `/org/delete?organization_name=${encodeURIComponent(owner.name)}`, {
      token: owner.token,
    });
    expect(deleted.status, deleted.text).toBe(200);

    const platform = await platformToken(call);
    const fromExport = await call("POST", "/platform/organizations/restore", {
      token: platform.token,
      json: { export_id: started.json.id },
    });
    expect(fromExport.status, fromExport.text).toBe(201);
    expect(fromExport.json).toMatchObject({
      organization_id: owner.id,
      original_id: owner.id,
      organization_name: owner.name,
      documents: 12,
      indexes: 1,
      signed: true,
      members: [{ email: owner.email, role: "owner", account: "new" }],
    });

    // The same archive uploaded, beside the first restore: its name is taken until another is given,
    // and the owner's new account is no member of anything else until its address is proven.
    const taken = await upload("/platform/organizations/restore", platform.token, archive);
    expect(taken.status).toBe(409);
    const copyName = `${owner.name} copy`;
    const copyPath = `/platform/organizations/restore?${new URLSearchParams({ organization_name: copyName })}`;
    const unproven = await upload(copyPath, platform.token, archive);
    expect(unproven.status).toBe(409);
    expect((unproven.json as { detail: string }).detail).toContain(owner.email);
    await (await database()).users.updateOne({ email: owner.email }, { $set: { email_verified: true } });
    const copy = await upload(copyPath, platform.token, archive);
    expect(copy.status, JSON.stringify(copy.json)).toBe(201);
    expect((copy.json as { organization_id: string }).organization_id).not.toBe(owner.id);
    expect((copy.json as { members: unknown }).members).toEqual([
      { email: owner.email, role: "owner", account: "existing" },
    ]);

    // The restored owner's new account: a password set through the mailed link, then a login.
    const reset = await call("POST", "/auth/password-reset/confirm", {
      json: { token: mailedToken(owner.email, "reset"), password: "a-new-password-1" },
    });
    expect(reset.status, reset.text).toBe(200);
    const login = await call("POST", "/admin/login", {
      json: { email: owner.email, password: "a-new-password-1", organization_name: owner.name },
    });
    expect(login.status, login.text).toBe(200);
    const listedDocuments = await call("GET", "/org/data/documents?limit=100", { token: login.json.access_token });
    expect(listedDocuments.json.documents.map(({ _id }: { _id: string }) => _id).sort()).toEqual(
      documents.map(({ _id }) => _id).sort(),
    );

    const feed = await call("GET", "/platform/events?limit=100", { token: platform.token });
    const types = feed.json.events
      .filter((event: { organization_id?: string }) => event.organization_id === owner.id)
      .map((event: { type: string }) => event.type);
    expect(types).toEqual(
      expect.arrayContaining(["export.completed", "organization.deleted", "organization.restored"]),
    );
  });

  it("lets only owners export, and platform clients with the route's scope", async () => {
    const owner = await signUp();
    const platformReader = await platformToken(call, ["platform:read"]);
    expect(
      (await call("POST", `/platform/organizations/${owner.id}/exports`, { token: platformReader.token })).status,
    ).toBe(403);
    const platform = await platformToken(call);
    const started = await call("POST", `/platform/organizations/${owner.id}/exports`, { token: platform.token });
    expect(started.status, started.text).toBe(202);
    expect(started.json.private_metadata).toBe(true);
    // One at a time, whoever started it.
    const second = await call("POST", "/org/exports", { token: owner.token });
    if (second.status !== 202) expect(second.status).toBe(409);
    const done = await finished(`/platform/organizations/${owner.id}/exports/${started.json.id}`, platformReader.token);
    expect(done.state).toBe("completed");
    // It holds the operator's private metadata: no owner lists or downloads it.
    expect((await call("GET", `/org/exports/${started.json.id}`, { token: owner.token })).status).toBe(404);
    const listed = await call("GET", "/org/exports", { token: owner.token });
    expect(listed.json.exports.map((entry: { id: string }) => entry.id)).not.toContain(started.json.id);
    // Another organization's export id is no export of this one.
    const other = await signUp();
    expect((await call("GET", `/org/exports/${started.json.id}`, { token: other.token })).status).toBe(404);
  });

  it("refuses archives that are not the service's, with a problem and nothing restored", async () => {
    const platform = await platformToken(call);
    const garbage = await upload("/platform/organizations/restore", platform.token, Buffer.from("not a tar.gz"));
    expect(garbage.status).toBe(422);
    expect(garbage.contentType).toBe("application/problem+json");
    expect((garbage.json as { errors: unknown }).errors).toEqual([
      { path: "archive", message: "it is not a gzip'd tar archive" },
    ]);
    const unknown = await call("POST", "/platform/organizations/restore", {
      token: platform.token,
      json: { export_id: "0".repeat(24) },
    });
    expect(unknown.status).toBe(404);
    const wrongType = await upload("/platform/organizations/restore", platform.token, Buffer.from("x"), "text/plain");
    expect(wrongType.status).toBe(415);
    const tooLarge = await upload("/platform/organizations/restore", platform.token, Buffer.alloc(5 * 1024 * 1024));
    expect(tooLarge.status).toBe(413);
  });
});
