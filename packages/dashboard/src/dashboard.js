// The dashboard: plain DOM, no framework, no third-party code. It talks to the API with fetch
// (same origin, relative URLs, so it works wherever the API is mounted) and builds every piece of
// output with DOM calls, never HTML strings (the page's Trusted Types policy forbids them).

const SESSION_KEY = "org-service.session";
const POLL_MS = 3000;

const $ = (id) => document.getElementById(id);

// --- session: the token lives in this tab only (sessionStorage), never in localStorage ---------

/** @returns {{ token: string, organization_name: string, role: string, user_id: string } | null} */
function session() {
  try {
    const value = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "null");
    // One stored by an earlier version of this page lacks the role and user id: log in again.
    return typeof value?.token === "string" && typeof value.role === "string" && typeof value.user_id === "string"
      ? value
      : null;
  } catch {
    return null;
  }
}

/** The session a login (or an accepted invitation) starts. */
const sessionFrom = (result) => ({
  token: result.access_token,
  organization_name: result.organization_name,
  role: result.role,
  user_id: result.user_id,
});

function saveSession(value) {
  if (value) sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(SESSION_KEY);
  renderSession();
}

function renderSession() {
  const current = session();
  $("session").textContent = current
    ? `Logged in to ${current.organization_name} as ${current.role}.`
    : "Not logged in.";
  $("logout").hidden = !current;
  $("own").disabled = !current;
  $("own-hint").hidden = Boolean(current);
  $("collection-refresh").disabled = !current;
  if (current) {
    refreshCollection();
  } else {
    shown = "";
    show($("collection"), [paragraph("Log in to see your organization's collection.", "hint")]);
    $("collection-updated").textContent = "";
  }
}

// --- talking to the API ------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.message ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

async function api(method, path, { body, auth = false } = {}) {
  const headers = { accept: "application/json, application/problem+json" };
  const current = session();
  if (auth && current) headers.authorization = `Bearer ${current.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await response.json().catch(() => undefined);
  if (!response.ok) {
    // A refused token (expired, or revoked by a credential change elsewhere) ends the session.
    if (response.status === 401 && auth && current) saveSession(null);
    throw new ApiError(response.status, data);
  }
  return data;
}

// --- output helpers ----------------------------------------------------------------------------

function paragraph(text, className) {
  const p = document.createElement("p");
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

function details(entries) {
  const dl = document.createElement("dl");
  for (const [term, value] of entries) {
    if (value === undefined) continue;
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = String(value);
    dl.append(dt, dd);
  }
  return dl;
}

/** Replaces what `target` shows; an element marked `data-focus` among the new nodes takes the focus. */
function show(target, nodes, isError = false) {
  target.classList.toggle("error", isError);
  target.replaceChildren(...nodes);
  target.querySelector("[data-focus]")?.focus();
}

function button(text, { label, className } = {}) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = text;
  if (label) element.setAttribute("aria-label", label);
  if (className) element.className = className;
  return element;
}

function organizationDetails(org) {
  return details([
    ["Name", org.organization_name],
    ["Collection", org.collection_name],
    ["Admin email", org.admin_email],
    ["Id", org.organization_id],
    ["Created", org.created_at && new Date(org.created_at).toLocaleString()],
  ]);
}

/** A problem (RFC 9457) as text, its field errors as a list, and the offending inputs marked. */
function showError(form, target, error) {
  const problem = error instanceof ApiError ? error.problem : {};
  const nodes = [paragraph(problem.title ? `${problem.title}: ${error.message}` : error.message)];
  if (Array.isArray(problem.errors) && problem.errors.length > 0) {
    const list = document.createElement("ul");
    for (const issue of problem.errors) {
      const item = document.createElement("li");
      item.textContent = issue.path ? `${issue.path} ${issue.message}` : issue.message;
      list.append(item);
      const input = form?.elements.namedItem(issue.path);
      if (input instanceof HTMLInputElement) input.setAttribute("aria-invalid", "true");
    }
    nodes.push(list);
  }
  show(target, nodes, true);
}

/** Wires a form: collects its fields, runs `action`, shows what it returns or the error. */
function onSubmit(formId, action) {
  const form = $(formId);
  const result = $(`${formId}-result`);
  form.addEventListener("submit", async (event) => {
    // Never a native submission: it would put the fields (passwords) in a URL.
    event.preventDefault();
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    const fields = Object.fromEntries([...new FormData(form)].map(([name, value]) => [name, String(value)]));
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    show(result, [paragraph("Working…")]);
    try {
      show(result, await action(fields, form));
    } catch (error) {
      showError(form, result, error);
    } finally {
      button.disabled = false;
    }
  });
}

const nonEmpty = (fields) => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== ""));

// --- the live view of the tenant collection ----------------------------------------------------

let refreshing = false;
/** What the live region shows: rewritten only when that changes, so screen readers hear changes only. */
let shown = "";

async function refreshCollection() {
  if (refreshing || !session()) return;
  refreshing = true;
  const target = $("collection");
  try {
    const collection = await api("GET", "org/collection", { auth: true });
    const key = `${collection.collection_name}:${collection.document_count}`;
    if (key !== shown || target.classList.contains("error")) {
      const count = document.createElement("p");
      count.className = "count";
      count.id = "collection-count";
      count.textContent = `${collection.document_count} ${collection.document_count === 1 ? "document" : "documents"}`;
      show(target, [
        details([
          ["Organization", collection.organization_name],
          ["Collection", collection.collection_name],
        ]),
        count,
      ]);
      shown = key;
    }
    $("collection-updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    shown = "";
    if (session()) showError(undefined, target, error);
  } finally {
    refreshing = false;
  }
}

// --- the forms ---------------------------------------------------------------------------------

onSubmit("create", async (fields, form) => {
  const org = await api("POST", "org/create", { body: fields });
  form.reset();
  return [paragraph(`Created ${org.organization_name}.`), organizationDetails(org)];
});

/** Logs in; a user of several organizations who named none is shown them, to choose one. */
async function logIn(fields, form) {
  let result;
  try {
    result = await api("POST", "admin/login", { body: nonEmpty(fields) });
  } catch (error) {
    const choices = error instanceof ApiError && error.status === 409 ? error.problem.organizations : undefined;
    if (Array.isArray(choices)) return organizationChoices(fields, choices, form);
    throw error;
  }
  form.reset();
  saveSession(sessionFrom(result));
  const minutes = Math.round(result.expires_in / 60);
  return [
    paragraph(`Logged in to ${result.organization_name} as ${result.role}; the session lasts ${minutes} minutes.`),
  ];
}

function organizationChoices(fields, choices, form) {
  const list = document.createElement("ul");
  list.className = "plain";
  for (const choice of choices) {
    const choose = button(`Log in to ${choice.organization_name} (${choice.role})`);
    choose.addEventListener("click", async () => {
      for (const other of list.querySelectorAll("button")) other.disabled = true;
      const result = $("login-result");
      try {
        show(result, await logIn({ ...fields, organization_name: choice.organization_name }, form));
      } catch (error) {
        showError(form, result, error);
      }
    });
    const item = document.createElement("li");
    item.append(choose);
    list.append(item);
  }
  list.querySelector("button")?.setAttribute("data-focus", "");
  return [paragraph("You are a member of several organizations. Which one?"), list];
}

onSubmit("login", logIn);

onSubmit("lookup", async (fields) => {
  const query = new URLSearchParams({ organization_name: fields.organization_name });
  const org = await api("GET", `org/get?${query}`, { auth: true });
  return [paragraph(`Found ${org.organization_name}.`), organizationDetails(org)];
});

onSubmit("rename", async (fields, form) => {
  const current = session();
  const org = await api("PUT", "org/update", {
    auth: true,
    body: { organization_name: current.organization_name, new_organization_name: fields.new_organization_name },
  });
  form.reset();
  saveSession({ ...current, organization_name: org.organization_name });
  return [paragraph(`Renamed to ${org.organization_name}.`), organizationDetails(org)];
});

onSubmit("credentials", async (fields, form) => {
  const current = session();
  const change = nonEmpty(fields);
  if (Object.keys(change).length === 0) throw new Error("Enter a new email, a new password, or both.");
  const result = await api("PUT", "org/update", {
    auth: true,
    body: { organization_name: current.organization_name, ...change },
  });
  form.reset();
  // The change revoked the old token; the answer carries the new one.
  if (result.access_token) saveSession({ ...current, token: result.access_token });
  const what = [change.email && "email", change.password && "password"].filter(Boolean).join(" and ");
  return [paragraph(`Changed the ${what}. Other sessions are logged out; this one continues with a new token.`)];
});

onSubmit("delete", async (fields, form) => {
  const current = session();
  if (fields.confirm.trim() !== current.organization_name) {
    throw new Error(`Type "${current.organization_name}" exactly to confirm.`);
  }
  const query = new URLSearchParams({ organization_name: current.organization_name });
  const result = await api("DELETE", `org/delete?${query}`, { auth: true });
  form.reset();
  saveSession(null);
  return [paragraph(`Deleted ${result.organization_name}. You are logged out.`)];
});

$("logout").addEventListener("click", () => saveSession(null));
$("collection-refresh").addEventListener("click", refreshCollection);
// Live while the tab is visible; a hidden tab does not poll.
setInterval(() => {
  if (document.visibilityState === "visible") refreshCollection();
}, POLL_MS);

renderSession();
