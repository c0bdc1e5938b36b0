// The dashboard: plain DOM, no framework, no third-party code. It talks to the API with fetch
// (same origin, relative URLs, so it works wherever the API is mounted) and builds every piece of
// output with DOM calls, never HTML strings (the page's Trusted Types policy forbids them).

const SESSION_KEY = "org-service.session";
const POLL_MS = 3000;

const $ = (id) => document.getElementById(id);

// --- session: the tokens live in this tab only (sessionStorage), never in localStorage ----------

/**
 * The access token lasts minutes (`expires_at`); the refresh token renews it, once each, shortly
 * before it expires (a silent refresh), and again if a request finds it expired anyway.
 * @returns {{ token: string, refresh_token?: string, session_id?: string, expires_at?: number,
 *   organization_id?: string, organization_name: string, role: string, user_id: string } | null}
 */
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

/** A session's tokens, as a login, a refresh or a credential change answers them. */
const tokensFrom = (result) => ({
  token: result.access_token,
  refresh_token: result.refresh_token,
  session_id: result.session_id,
  expires_at: Date.now() + result.expires_in * 1000,
});

/** The session a login (or an accepted invitation) starts. */
const sessionFrom = (result) => ({
  ...tokensFrom(result),
  organization_id: result.organization_id,
  organization_name: result.organization_name,
  role: result.role,
  user_id: result.user_id,
});

/** Keeps the tokens without redrawing the page (a refresh changes nothing the page shows). */
function storeSession(value) {
  if (value) sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(SESSION_KEY);
  scheduleRefresh();
}

function saveSession(value) {
  storeSession(value);
  renderSession();
}

// --- silent refresh: before the access token expires, rotate both tokens ------------------------

/** Refresh this long before the access token expires. */
const REFRESH_AHEAD_MS = 60_000;
let refreshTimer;
/** The refresh under way: a refresh token works once, so two requests never refresh at once. */
let refreshInFlight;

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const current = session();
  if (!current?.refresh_token || !current.expires_at) return;
  const wait = Math.max(5_000, current.expires_at - Date.now() - REFRESH_AHEAD_MS);
  refreshTimer = setTimeout(() => refreshTokens().catch(() => undefined), wait);
}

/** Rotates the tokens; resolves true when the session goes on, false when it has ended (then logged out). */
function refreshTokens() {
  refreshInFlight ??= (async () => {
    const current = session();
    if (!current?.refresh_token) return false;
    const response = await fetch("auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, application/problem+json" },
      body: JSON.stringify({ refresh_token: current.refresh_token }),
    });
    // Another login or a logout meanwhile: this answer belongs to a session that is no longer shown.
    if (session()?.refresh_token !== current.refresh_token) return Boolean(session());
    if (!response.ok) {
      if (response.status === 401) saveSession(null);
      return false;
    }
    storeSession({ ...current, ...tokensFrom(await response.json()) });
    return true;
  })().finally(() => {
    refreshInFlight = undefined;
  });
  return refreshInFlight;
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
  if (!current) {
    $("mfa").hidden = !mfaToken;
  }
  renderMembers(current);
  renderDocuments(current);
  renderSecurity(current);
  renderSsoSettings(current);
  renderEmailNotice(current).catch((error) => showError(undefined, $("email-resend-result"), error));
  if (current) {
    refreshCollection();
  } else {
    // What the last login or acceptance said is over.
    show($("login-result"), []);
    if (!invitationToken) $("accept-section").hidden = true;
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

/**
 * `keepSession`: a 401 here says nothing about the session's token (a public route that accepts
 * one). A 401 on an authenticated request gets one refresh and one retry: the access token may
 * just have expired (a tab asleep past its silent refresh).
 */
async function api(method, path, { body, auth = false, keepSession = false, retried = false } = {}) {
  const headers = { accept: "application/json, application/problem+json" };
  const current = session();
  if (auth && current) headers.authorization = `Bearer ${current.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await response.json().catch(() => undefined);
  if (!response.ok) {
    // Not a wrong password or code, which are 401s too (`invalid-credentials`): a refused token.
    const refused = response.status === 401 && auth && current && !keepSession && !isWrongCredential(data);
    if (refused && !retried && current.refresh_token && (await refreshTokens())) {
      return api(method, path, { body, auth, keepSession, retried: true });
    }
    // A refused token (revoked by a logout, a credential change elsewhere, or ended) ends the session.
    if (refused && session()?.token === current.token) saveSession(null);
    throw new ApiError(response.status, data);
  }
  return data;
}

const isWrongCredential = (problem) =>
  typeof problem?.type === "string" && problem.type.endsWith(":invalid-credentials");

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

function time(iso, format = (date) => date.toLocaleDateString()) {
  const element = document.createElement("time");
  element.dateTime = iso;
  element.textContent = format(new Date(iso));
  return element;
}

/** Runs a button's action: the button disabled meanwhile, what it returns or its error shown in `target`. */
async function act(trigger, target, action) {
  trigger.disabled = true;
  try {
    const nodes = await action();
    if (nodes) show(target, nodes);
  } catch (error) {
    showError(undefined, target, error);
  } finally {
    trigger.disabled = false;
  }
}

/**
 * Asks before a destructive action, in the page: the button gives way to the question, a "yes"
 * and a "Cancel" (which has the focus; Escape cancels too).
 */
function confirmInline(trigger, question, yesText, action) {
  const group = document.createElement("span");
  group.className = "confirm";
  group.setAttribute("role", "group");
  const text = document.createElement("span");
  text.textContent = question;
  const yes = button(yesText, { className: "danger" });
  const cancel = button("Cancel");
  group.setAttribute("aria-label", question);
  group.append(text, " ", yes, " ", cancel);
  const close = () => {
    group.remove();
    trigger.hidden = false;
    // Gone when the action rewrote the list it was in (and hidden with a panel closed by a logout).
    if (trigger.isConnected) trigger.focus();
  };
  cancel.addEventListener("click", close);
  group.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    cancel.disabled = true;
    await action();
    close();
  });
  trigger.hidden = true;
  trigger.after(group);
  cancel.focus();
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
      // A form that sends one JSON document marks its textarea for any path inside the document.
      const input = form?.elements.namedItem(issue.path) ?? form?.elements.namedItem(form.dataset.jsonField ?? "");
      if (
        input instanceof HTMLInputElement ||
        input instanceof HTMLSelectElement ||
        input instanceof HTMLTextAreaElement
      ) {
        input.setAttribute("aria-invalid", "true");
      }
    }
    nodes.push(list);
  }
  // What the user can do about it (a button that asks for a new link), when the caller offers one.
  if (Array.isArray(error?.followUp)) nodes.push(...error.followUp);
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
  if (result.mfa_required) return askForCode(result);
  return loggedIn(result);
}

function loggedIn(result) {
  saveSession(sessionFrom(result));
  const minutes = Math.round(result.expires_in / 60);
  return [
    paragraph(
      `Logged in to ${result.organization_name} as ${result.role}; the access token lasts ${minutes} minute${minutes === 1 ? "" : "s"} and renews itself while the page is open.`,
    ),
  ];
}

// --- the code step of a login with two-factor login on -------------------------------------------

/** The `mfa_token` of the login waiting for its code (in memory only: it lives 5 minutes). */
let mfaToken = "";

function askForCode(result) {
  mfaToken = result.mfa_token;
  $("mfa").hidden = false;
  show($("mfa-result"), []);
  $("mfa-code").value = "";
  $("mfa-code").focus();
  return [paragraph("Password accepted. Enter the code from your authenticator app to finish logging in.")];
}

onSubmit("mfa", async (fields, form) => {
  if (!mfaToken) throw new Error("Log in with your password first.");
  const entered = fields.code.trim();
  // Six digits are the app's code; anything else is taken for a recovery code.
  const proof = /^\d{6}$/.test(entered.replace(/\s/g, "")) ? { code: entered } : { recovery_code: entered };
  const result = await api("POST", "auth/mfa", { body: { mfa_token: mfaToken, ...proof } });
  mfaToken = "";
  form.reset();
  form.hidden = true;
  show($("login-result"), loggedIn(result));
  return [];
});

// --- single sign-on: the browser goes to the provider and comes back with a code -------------------

/** Where the verifier of the sign-in under way is kept: this tab, until it comes back from the provider. */
const SSO_VERIFIER = "org-service.sso-verifier";

const base64url = (bytes) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

onSubmit("sso", async (fields) => {
  const who = fields.who.trim();
  if (!who) throw new Error("Enter your work email or your organization's name.");
  // A verifier only this tab knows: the code the provider's answer ends in is worth nothing without it.
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(SSO_VERIFIER, verifier);
  const query = new URLSearchParams({
    [who.includes("@") ? "email" : "organization"]: who,
    handoff_challenge: challenge,
  });
  // Asked first with fetch, so that "no single sign-on here" is shown on this page, not as a bare answer.
  const probe = await fetch(`auth/sso/start?${query}`, { redirect: "manual" });
  if (probe.type !== "opaqueredirect" && !probe.ok) {
    const problem = await probe.json().catch(() => undefined);
    throw new ApiError(probe.status, problem);
  }
  location.assign(`auth/sso/start?${query}`);
  return [paragraph("Going to your organization's identity provider…")];
});

const SSO_ERRORS = {
  unknown_sign_in: "This sign-in is unknown, used or expired: start it again.",
  other_browser: "This sign-in was started in another browser: start it again here.",
  answer_refused: "Your identity provider's answer was refused.",
  no_email: "Your identity provider gave no email address.",
  email_not_verified: "Your identity provider says your email is not verified.",
  email_outside_domains: "Your email is not in one of the organization's verified domains.",
  not_available: "Single sign-on is not available for this organization.",
  provider_error: "Your identity provider answered with an error.",
};

/** Back from the provider: the code in the fragment, exchanged with this tab's verifier. */
async function completeSso(code) {
  const verifier = sessionStorage.getItem(SSO_VERIFIER);
  sessionStorage.removeItem(SSO_VERIFIER);
  const result = $("sso-result");
  try {
    if (!verifier) throw new Error("This sign-in was started in another tab: start it again here.");
    const answer = await api("POST", "auth/sso/exchange", { body: { code, verifier } });
    show(result, answer.mfa_required ? askForCode(answer) : loggedIn(answer));
  } catch (error) {
    showError(undefined, result, error);
  }
}

function readSsoLink() {
  const code = takeLinkToken("sso");
  if (code) completeSso(code);
  const refused = takeLinkToken("sso_error");
  if (refused) show($("sso-result"), [paragraph(SSO_ERRORS[refused] ?? "The sign-in failed.", "error")], true);
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
  // The change ended every session of the user; this one continues with the tokens of the answer.
  if (result.access_token) saveSession({ ...current, ...tokensFrom(result) });
  const nodes = [];
  if (change.password) {
    nodes.push(paragraph("Changed the password. Other sessions are logged out; this one continues with a new token."));
  }
  // A new email changes nothing yet: the new address must follow the link mailed to it.
  const pending = result.pending_email;
  if (pending) {
    const expires = new Date(pending.expires_at).toLocaleString();
    nodes.push(
      paragraph(
        pending.mail_sent
          ? `Check ${pending.email} to confirm the new address: the email changes once the link mailed there is followed (it expires ${expires}). Until then you log in with the current one.`
          : `The link to confirm ${pending.email} could not be mailed: try the change again later. The email stays as it was.`,
      ),
    );
  } else if (change.email) {
    nodes.push(paragraph(`The email is ${result.admin_email ?? change.email}.`));
  }
  return nodes;
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

// --- members and invitations ------------------------------------------------------------------

const ROLES = ["owner", "admin", "member"];
/**
 * What the page offers by the caller's role (from the login answer). The server checks again from
 * the role it holds now, and its refusal is shown: this only spares people buttons that cannot work.
 */
const managesMembers = (role) => role === "owner" || role === "admin";
/** Owners manage everyone; admins manage admins and members; members nobody (but leave themselves). */
const mayManage = (role, target) => role === "owner" || (role === "admin" && target !== "owner");

/** The `next_cursor` of the last page of members shown. */
let membersCursor;

function renderMembers(current) {
  const manages = Boolean(current) && managesMembers(current.role);
  $("members-hint").hidden = Boolean(current);
  $("members-panel").hidden = !current;
  $("manage").hidden = !manages;
  $("manage-hint").hidden = !current || manages;
  $("invite-owner").disabled = current?.role !== "owner";
  show($("members-result"), []);
  show($("invitations-result"), []);
  // A question left open by the session before.
  for (const question of $("members-panel").querySelectorAll(".confirm")) question.remove();
  $("leave").hidden = false;
  if (current) {
    loadMembers().catch((error) => showError(undefined, $("members-result"), error));
    if (manages) loadInvitations().catch((error) => showError(undefined, $("invitations-result"), error));
  } else {
    membersCursor = undefined;
    $("members-list").replaceChildren();
    $("members-more").hidden = true;
    $("invitations").replaceChildren();
    show($("invite-result"), []);
  }
}

/** The first page of members, or the next one appended (`more`). */
async function loadMembers(more = false) {
  const current = session();
  if (!current) return;
  const query = more && membersCursor ? `?${new URLSearchParams({ cursor: membersCursor })}` : "";
  const page = await api("GET", `org/members${query}`, { auth: true });
  // Another login (or a logout) while this was on its way: its answer is stale.
  if (session()?.token !== current.token) return;
  const rows = page.members.map((member) => memberRow(member, current));
  if (more) $("members-list").append(...rows);
  else $("members-list").replaceChildren(...rows);
  membersCursor = page.next_cursor;
  $("members-more").hidden = !membersCursor;
}

function memberRow(member, current) {
  const self = member.user_id === current.user_id;
  const row = document.createElement("tr");
  const email = document.createElement("th");
  email.scope = "row";
  email.textContent = member.email;
  if (self) {
    const you = document.createElement("span");
    you.className = "hint";
    you.textContent = "(you)";
    email.append(" ", you);
  }
  const role = document.createElement("td");
  role.textContent = member.role;
  const joined = document.createElement("td");
  joined.append(time(member.joined_at));
  const actions = document.createElement("td");
  if (mayManage(current.role, member.role)) {
    const controls = document.createElement("div");
    controls.className = "actions";
    const id = `member-role-${member.user_id}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.className = "visually-hidden";
    label.textContent = `New role of ${member.email}`;
    const select = document.createElement("select");
    select.id = id;
    for (const value of ROLES) {
      const option = new Option(value, value, false, value === member.role);
      // Only an owner grants the owner role.
      option.disabled = value === "owner" && current.role !== "owner";
      select.append(option);
    }
    const change = button("Change role", { label: `Change role of ${member.email}` });
    change.addEventListener("click", () => act(change, $("members-result"), () => changeRole(member, select.value)));
    controls.append(label, select, change);
    if (!self) {
      const remove = button("Remove", { label: `Remove ${member.email}`, className: "danger" });
      remove.addEventListener("click", () =>
        confirmInline(remove, `Remove ${member.email} from the organization?`, "Yes, remove", () =>
          act(remove, $("members-result"), () => removeMember(member)),
        ),
      );
      controls.append(remove);
    }
    actions.append(controls);
  }
  row.append(email, role, joined, actions);
  return row;
}

async function changeRole(member, role) {
  if (role === member.role) throw new Error(`${member.email} is ${role} already.`);
  const updated = await api("PUT", `org/members/${encodeURIComponent(member.user_id)}`, {
    auth: true,
    body: { role },
  });
  if (updated.user_id === session()?.user_id) {
    // A role change revokes the member's tokens, this session's included.
    saveSession(null);
    return [paragraph(`Your role is now ${updated.role}. Log in again to continue.`)];
  }
  await loadMembers();
  return [paragraph(`${updated.email} is now ${updated.role}.`)];
}

async function removeMember(member) {
  await api("DELETE", `org/members/${encodeURIComponent(member.user_id)}`, { auth: true });
  await loadMembers();
  return [paragraph(`Removed ${member.email}.`)];
}

$("members-more").addEventListener("click", (event) =>
  act(event.currentTarget, $("members-result"), () => loadMembers(true)),
);
$("members-reload").addEventListener("click", (event) =>
  act(event.currentTarget, $("members-result"), async () => {
    await loadMembers();
    if (managesMembers(session()?.role)) await loadInvitations();
    return [];
  }),
);
$("leave").addEventListener("click", (event) => {
  const leave = event.currentTarget;
  const current = session();
  confirmInline(
    leave,
    `Leave ${current.organization_name}? If it is your only organization, your account is deleted.`,
    "Yes, leave",
    () =>
      act(leave, $("members-result"), async () => {
        await api("DELETE", `org/members/${encodeURIComponent(current.user_id)}`, { auth: true });
        saveSession(null);
        return [paragraph(`You left ${current.organization_name}. You are logged out.`)];
      }),
  );
});

async function loadInvitations() {
  const current = session();
  const { invitations } = await api("GET", "org/invitations", { auth: true });
  if (session()?.token !== current?.token) return;
  $("invitations").replaceChildren(...invitations.map(invitationItem));
  $("invitations-none").hidden = invitations.length > 0;
}

function invitationItem(invitation) {
  const item = document.createElement("li");
  const expires = time(invitation.expires_at, (date) => date.toLocaleString());
  const revoke = button("Revoke", { label: `Revoke the invitation of ${invitation.email}` });
  revoke.addEventListener("click", () =>
    act(revoke, $("invitations-result"), async () => {
      await api("DELETE", `org/invitations/${encodeURIComponent(invitation.invitation_id)}`, { auth: true });
      // Its link, if still shown, no longer works.
      if ($("invite-result").dataset.invitationId === invitation.invitation_id) show($("invite-result"), []);
      await loadInvitations();
      return [paragraph(`Revoked the invitation of ${invitation.email}.`)];
    }),
  );
  item.append(`${invitation.email} as ${invitation.role}, expires `, expires, " ", revoke);
  return item;
}

onSubmit("invite", async (fields, form) => {
  const invitation = await api("POST", "org/invitations", { auth: true, body: fields });
  form.reset();
  $("invite-result").dataset.invitationId = invitation.invitation_id;
  await loadInvitations().catch((error) => showError(undefined, $("invitations-result"), error));
  const expires = new Date(invitation.expires_at).toLocaleString();
  const invited = `Invited ${invitation.email} as ${invitation.role}`;
  // Where the service sends mail, the link goes to the invitee's mailbox alone: accepting proves it.
  if (!invitation.accept_url) {
    const sent = invitation.mail_sent
      ? "the link is mailed to them, and to nobody else"
      : "the mail could not be sent: revoke the invitation and invite again";
    return [paragraph(`${invited}; ${sent}. It works once and expires ${expires}.`)];
  }
  const label = document.createElement("label");
  label.htmlFor = "invite-link";
  label.textContent = "Accept link";
  const link = document.createElement("input");
  link.id = "invite-link";
  link.readOnly = true;
  link.value = invitation.accept_url;
  link.addEventListener("focus", () => link.select());
  const sent = invitation.mail_sent ? "the link is mailed to them" : "no mail went out, so send them the link";
  const nodes = [paragraph(`${invited}; ${sent}. It works once and expires ${expires}.`), label, link];
  if (navigator.clipboard) {
    const copy = button("Copy link");
    const copied = document.createElement("span");
    copy.addEventListener("click", () =>
      navigator.clipboard.writeText(link.value).then(
        () => {
          copied.textContent = " Copied.";
        },
        () => {
          copied.textContent = " Could not copy: select the link and copy it.";
        },
      ),
    );
    nodes.push(copy, copied);
  }
  return nodes;
});

// --- documents: the tenant collection's documents, paged, inserted, edited, deleted --------------

/** The query of the list shown (filter, sort, order, limit) and the cursor of its next page. */
let documentsQuery = {};
let documentsCursor;

function renderDocuments(current) {
  $("documents-hint").hidden = Boolean(current);
  $("documents-panel").hidden = !current;
  for (const id of ["documents-result", "documents-query-result", "insert-result", "document-edit-result"]) {
    show($(id), []);
  }
  closeEdit();
  if (current) {
    documentsQuery = { limit: $("documents-limit").value || "20" };
    loadDocuments().catch((error) => showError(undefined, $("documents-result"), error));
    loadUsage().catch((error) => showError(undefined, $("usage"), error));
  } else {
    documentsCursor = undefined;
    $("documents-query").reset();
    $("documents-list").replaceChildren();
    $("documents-more").hidden = true;
    $("usage").replaceChildren();
  }
}

/**
 * A textarea's JSON object, or an error that says what is wrong with it (the field marked
 * invalid): nothing is sent then.
 */
function jsonObject(field, what) {
  let value;
  try {
    value = JSON.parse(field.value);
  } catch (error) {
    field.setAttribute("aria-invalid", "true");
    throw new Error(`The ${what} is not valid JSON: ${error.message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    field.setAttribute("aria-invalid", "true");
    throw new Error(`The ${what} must be one JSON object, like {"city": "Paris"}.`);
  }
  return value;
}

/** A document in one line, without its `_id` (shown beside it), cut short when long. */
function preview(entry) {
  const { _id, ...fields } = entry;
  const text = JSON.stringify(fields);
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

/** The first page of documents for `documentsQuery`, or the next one appended (`more`). */
async function loadDocuments(more = false) {
  const current = session();
  if (!current) return;
  const query = new URLSearchParams(documentsQuery);
  if (more && documentsCursor) query.set("cursor", documentsCursor);
  const page = await api("GET", `org/data/documents?${query}`, { auth: true });
  if (session()?.token !== current.token) return;
  const rows = page.documents.map(documentRow);
  if (more) $("documents-list").append(...rows);
  else $("documents-list").replaceChildren(...rows);
  documentsCursor = page.next_cursor;
  $("documents-more").hidden = !documentsCursor;
  $("documents-none").hidden = $("documents-list").rows.length > 0;
}

function documentRow(entry) {
  const row = document.createElement("tr");
  row.dataset.id = entry._id;
  const id = document.createElement("th");
  id.scope = "row";
  const idCode = document.createElement("code");
  idCode.textContent = entry._id;
  id.append(idCode);
  const body = document.createElement("td");
  const code = document.createElement("code");
  code.className = "preview";
  code.textContent = preview(entry);
  body.append(code);
  const actions = document.createElement("td");
  const controls = document.createElement("div");
  controls.className = "actions";
  const edit = button("Edit", { label: `Edit ${entry._id}` });
  edit.addEventListener("click", () => act(edit, $("documents-result"), () => openEdit(entry._id, edit)));
  const remove = button("Delete", { label: `Delete ${entry._id}`, className: "danger" });
  remove.addEventListener("click", () =>
    confirmInline(remove, `Delete the document ${entry._id}?`, "Yes, delete", () =>
      act(remove, $("documents-result"), () => deleteDocument(entry._id)),
    ),
  );
  controls.append(edit, remove);
  actions.append(controls);
  row.append(id, body, actions);
  return row;
}

/** The row showing the document `id`, if the list shows it. */
const rowOf = (id) => [...$("documents-list").rows].find((row) => row.dataset.id === id);

async function loadUsage() {
  const current = session();
  if (!current) return;
  const usage = await api("GET", "org/usage", { auth: true });
  if (session()?.token !== current.token) return;
  const { quotas } = usage;
  show($("usage"), [
    details([
      ["Documents", `${usage.document_count} of ${quotas.max_documents}`],
      ["Data", `${bytes(usage.data_bytes)} of ${bytes(quotas.max_data_bytes)}`],
      ["Indexes", `${usage.index_count} of ${quotas.max_indexes} (besides _id's)`],
    ]),
  ]);
}

function bytes(count) {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${Number(value.toFixed(1))} ${units[unit]}`;
}

/** Opens the edit form with the document as stored now; `trigger` gets the focus back afterwards. */
let editTrigger;
let editing = "";

async function openEdit(id, trigger) {
  const stored = await api("GET", `org/data/documents/${encodeURIComponent(id)}`, { auth: true });
  editing = id;
  editTrigger = trigger;
  $("document-edit-title").textContent = `Edit document ${id}`;
  const field = $("document-edit-json");
  field.removeAttribute("aria-invalid");
  field.value = JSON.stringify(stored, null, 2);
  show($("document-edit-result"), []);
  $("document-edit").hidden = false;
  field.focus();
  return [];
}

function closeEdit() {
  const open = !$("document-edit").hidden;
  editing = "";
  $("document-edit").hidden = true;
  $("document-edit-json").value = "";
  if (open && editTrigger?.isConnected) editTrigger.focus();
  editTrigger = undefined;
}

onSubmit("document-edit", async (_fields, form) => {
  const id = editing;
  if (!id) throw new Error("Choose a document to edit.");
  const body = jsonObject(form.elements.namedItem("document"), "document");
  const saved = await api("PUT", `org/data/documents/${encodeURIComponent(id)}`, { auth: true, body });
  rowOf(id)?.replaceWith(documentRow(saved));
  editTrigger = rowOf(id)?.querySelector("button");
  closeEdit();
  await loadUsage().catch(() => undefined);
  show($("documents-result"), [paragraph(`Saved ${id}.`)]);
  return [];
});

$("document-edit-cancel").addEventListener("click", closeEdit);
$("document-edit").addEventListener("keydown", (event) => {
  if (event.key === "Escape") closeEdit();
});

async function deleteDocument(id) {
  await api("DELETE", `org/data/documents/${encodeURIComponent(id)}`, { auth: true });
  rowOf(id)?.remove();
  if (editing === id) closeEdit();
  $("documents-none").hidden = $("documents-list").rows.length > 0;
  await loadUsage().catch(() => undefined);
  refreshCollection();
  return [paragraph(`Deleted ${id}.`)];
}

onSubmit("insert", async (_fields, form) => {
  const body = jsonObject(form.elements.namedItem("document"), "document");
  const stored = await api("POST", "org/data/documents", { auth: true, body });
  form.reset();
  // The list again from its first page, the new document where its order puts it.
  await loadDocuments().catch((error) => showError(undefined, $("documents-result"), error));
  await loadUsage().catch(() => undefined);
  // The collection's count, shown above, changed too.
  refreshCollection();
  return [paragraph(`Inserted ${stored._id}.`)];
});

onSubmit("documents-query", async (fields, form) => {
  const query = {};
  if (fields.filter.trim() !== "") {
    jsonObject(form.elements.namedItem("filter"), "filter");
    query.filter = fields.filter.trim();
  }
  if (fields.sort.trim() !== "") query.sort = fields.sort.trim();
  if (fields.order === "desc") query.order = "desc";
  if (fields.limit !== "") query.limit = fields.limit;
  const previous = documentsQuery;
  documentsQuery = query;
  try {
    await loadDocuments();
  } catch (error) {
    documentsQuery = previous;
    throw error;
  }
  await loadUsage().catch((error) => showError(undefined, $("usage"), error));
  const count = $("documents-list").rows.length;
  const shown = `${count} ${count === 1 ? "document" : "documents"}`;
  return [paragraph(documentsCursor ? `Showing ${shown}; more with “More documents”.` : `Showing ${shown}.`)];
});

$("documents-more").addEventListener("click", (event) =>
  act(event.currentTarget, $("documents-result"), async () => {
    await loadDocuments(true);
    return [];
  }),
);
$("documents-reload").addEventListener("click", (event) =>
  act(event.currentTarget, $("documents-result"), async () => {
    await Promise.all([loadDocuments(), loadUsage()]);
    return [];
  }),
);

// --- single sign-on settings (owners and admins) -----------------------------------------------------

/** The connection as last read, or null when there is none. */
let ssoConnection = null;

function renderSsoSettings(current) {
  const manages = Boolean(current) && managesMembers(current.role);
  $("sso-settings-hint").hidden = manages;
  $("sso-settings-hint").textContent = current
    ? "Only owners and admins connect the organization's identity provider."
    : "Log in as an owner or admin to connect your organization's identity provider.";
  $("sso-settings-panel").hidden = !manages;
  show($("sso-settings-result"), []);
  show($("sso-connection-result"), []);
  ssoConnection = null;
  if (manages) loadSsoConnection().catch((error) => showError(undefined, $("sso-settings-result"), error));
}

async function loadSsoConnection() {
  try {
    ssoConnection = await api("GET", "org/sso", { auth: true });
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    ssoConnection = null;
  }
  showSsoConnection();
}

function showSsoConnection() {
  const connection = ssoConnection;
  $("sso-status").textContent = !connection
    ? "No identity provider is connected."
    : `Connected to ${connection.issuer}: ${connection.enabled ? "enabled" : "disabled"}${connection.enforced ? ", enforced" : ""}.`;
  $("sso-redirect-uri").textContent =
    connection?.redirect_uri ?? `${location.origin}/auth/sso/callback/${session()?.organization_id ?? ""}`;
  if (connection) {
    $("sso-issuer").value = connection.issuer;
    $("sso-client-id").value = connection.client_id;
  }
  for (const id of ["sso-test", "sso-enable", "sso-enforce"]) $(id).disabled = !connection;
  $("sso-enable").textContent = connection?.enabled ? "Disable" : "Enable";
  $("sso-enforce").textContent = connection?.enforced ? "Stop enforcing" : "Enforce";
  $("sso-enforce").disabled = !connection?.enabled;
}

onSubmit("sso-connection", async (fields) => {
  ssoConnection = await api("PUT", "org/sso", { auth: true, body: nonEmpty(fields) });
  $("sso-client-secret").value = "";
  showSsoConnection();
  return [paragraph("Connection saved: the provider answered as an OpenID provider.")];
});

$("sso-test").addEventListener("click", async (event) => {
  await act(event.currentTarget, $("sso-settings-result"), async () => {
    const test = await api("POST", "org/sso/test", { auth: true });
    return [
      paragraph(`The provider answered, with ${test.signing_keys} signing key${test.signing_keys === 1 ? "" : "s"}.`),
    ];
  });
  // act enables its button again: the buttons' state is the connection's.
  showSsoConnection();
});

$("sso-enable").addEventListener("click", async (event) => {
  await act(event.currentTarget, $("sso-settings-result"), async () => {
    ssoConnection = await api("PATCH", "org/sso", { auth: true, body: { enabled: !ssoConnection?.enabled } });
    showSsoConnection();
    return [paragraph(ssoConnection.enabled ? "Single sign-on is enabled." : "Single sign-on is disabled.")];
  });
  // act enables its button again: the buttons' state is the connection's.
  showSsoConnection();
});

$("sso-enforce").addEventListener("click", async (event) => {
  await act(event.currentTarget, $("sso-settings-result"), async () => {
    ssoConnection = await api("PATCH", "org/sso", { auth: true, body: { enforced: !ssoConnection?.enforced } });
    showSsoConnection();
    return [
      paragraph(
        ssoConnection.enforced
          ? "Single sign-on is enforced: your domains' users sign in through the provider (owners keep their password)."
          : "Password login is allowed again.",
      ),
    ];
  });
  // act enables its button again: the buttons' state is the connection's.
  showSsoConnection();
});

// --- sessions and two-factor login ----------------------------------------------------------------

function renderSecurity(current) {
  $("security-hint").hidden = Boolean(current);
  $("security-panel").hidden = !current;
  for (const id of ["sessions-result", "mfa-verify-result", "mfa-disable-result"]) show($(id), []);
  for (const question of $("security-panel").querySelectorAll(".confirm")) question.remove();
  $("sessions-others").hidden = false;
  $("mfa-enrollment").hidden = true;
  $("mfa-qr").replaceChildren();
  if (current) loadSessions().catch((error) => showError(undefined, $("sessions-result"), error));
  else $("sessions-list").replaceChildren();
}

async function loadSessions() {
  const current = session();
  if (!current) return;
  const { sessions } = await api("GET", "me/sessions", { auth: true });
  if (session()?.user_id !== current.user_id) return;
  $("sessions-list").replaceChildren(...sessions.map(sessionRow));
}

function sessionRow(entry) {
  const row = document.createElement("tr");
  const device = document.createElement("th");
  device.scope = "row";
  device.textContent = entry.user_agent ?? "unknown device";
  if (entry.current || entry.mfa) {
    const notes = document.createElement("span");
    notes.className = "hint";
    notes.textContent = ` (${[entry.current && "this session", entry.mfa && "two-factor"].filter(Boolean).join(", ")})`;
    device.append(notes);
  }
  const from = document.createElement("td");
  from.textContent = entry.source_ip ?? "";
  const started = document.createElement("td");
  started.append(time(entry.created_at, (date) => date.toLocaleString()));
  const used = document.createElement("td");
  used.append(time(entry.last_used_at, (date) => date.toLocaleString()));
  const actions = document.createElement("td");
  if (!entry.current) {
    const revoke = button("Log out", {
      label: `Log out the session of ${device.textContent} from ${from.textContent}`,
    });
    revoke.addEventListener("click", () =>
      act(revoke, $("sessions-result"), async () => {
        await api("DELETE", `me/sessions/${encodeURIComponent(entry.session_id)}`, { auth: true });
        await loadSessions();
        return [paragraph("That session is logged out.")];
      }),
    );
    actions.append(revoke);
  }
  row.append(device, from, started, used, actions);
  return row;
}

$("sessions-reload").addEventListener("click", (event) =>
  act(event.currentTarget, $("sessions-result"), async () => {
    await loadSessions();
    return [];
  }),
);
$("sessions-others").addEventListener("click", (event) => {
  const others = event.currentTarget;
  confirmInline(others, "Log out every other session?", "Yes, log them out", () =>
    act(others, $("sessions-result"), async () => {
      const { revoked } = await api("DELETE", "me/sessions", { auth: true });
      await loadSessions();
      return [paragraph(`${revoked} other ${revoked === 1 ? "session" : "sessions"} logged out.`)];
    }),
  );
});

const SVG = "http://www.w3.org/2000/svg";

/**
 * The QR code the server drew, rebuilt with DOM calls: the page writes no markup from strings
 * (Trusted Types), so only the SVG's `viewBox` and its paths' `d`, `fill` and `stroke` are taken.
 */
function qrCode(svgText, label) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", /viewBox="([\d .]+)"/.exec(svgText)?.[1] ?? "0 0 0 0");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("shape-rendering", "crispEdges");
  for (const [, attributes] of svgText.matchAll(/<path([^>]*)\/?>/g)) {
    const path = document.createElementNS(SVG, "path");
    for (const name of ["d", "fill", "stroke"]) {
      const value = new RegExp(`\\s${name}="([^"]*)"`).exec(attributes)?.[1];
      if (value !== undefined) path.setAttribute(name, value);
    }
    svg.append(path);
  }
  return svg;
}

$("mfa-enroll").addEventListener("click", (event) =>
  act(event.currentTarget, $("mfa-verify-result"), async () => {
    const enrollment = await api("POST", "me/mfa/totp", { auth: true });
    $("mfa-qr").replaceChildren(qrCode(enrollment.qr_svg, "QR code to scan with an authenticator app"));
    $("mfa-secret").textContent = enrollment.secret;
    $("mfa-enrollment").hidden = false;
    $("mfa-verify-code").focus();
    return [];
  }),
);

onSubmit("mfa-verify", async (fields, form) => {
  const { recovery_codes: codes } = await api("POST", "me/mfa/totp/verify", { auth: true, body: fields });
  form.reset();
  $("mfa-enrollment").hidden = true;
  $("mfa-qr").replaceChildren();
  const list = document.createElement("ol");
  list.id = "recovery-codes";
  list.append(
    ...codes.map((code) => {
      const item = document.createElement("li");
      const text = document.createElement("code");
      text.textContent = code;
      item.append(text);
      return item;
    }),
  );
  const done = paragraph(
    "Two-factor login is on. Keep these recovery codes somewhere safe: each logs in once without the app, and they are shown only now.",
  );
  done.tabIndex = -1;
  done.setAttribute("data-focus", "");
  // Shown below the enrollment, which is hidden now.
  return [done, list];
});

onSubmit("mfa-disable", async (fields, form) => {
  await api("DELETE", "me/mfa/totp", { auth: true, body: fields });
  form.reset();
  show($("mfa-verify-result"), []);
  return [paragraph("Two-factor login is off: the password alone logs in, and the recovery codes no longer work.")];
});

// --- accepting an invitation: its link is this page with #invitation=<token> --------------------

let invitationToken = "";

function readInvitationLink() {
  const token = new URLSearchParams(location.hash.slice(1)).get("invitation");
  if (!token) return;
  invitationToken = token;
  // Out of the address bar and this history entry at once: the token is a credential.
  history.replaceState(history.state, "", `${location.pathname}${location.search}`);
  $("accept-section").hidden = false;
  $("accept-fields").hidden = false;
  show($("accept-result"), []);
  $("accept-password").focus();
}

onSubmit("accept", async (fields, form) => {
  if (!invitationToken) throw new Error("Open the invitation's link again.");
  // Without a password, a logged-in user accepts with their token (if they are the one invited).
  const byToken = fields.password === "" && session() !== null;
  const result = await api("POST", "invitations/accept", {
    body: { token: invitationToken, ...nonEmpty(fields) },
    auth: byToken,
    keepSession: true,
  });
  invitationToken = "";
  form.reset();
  $("accept-fields").hidden = true;
  saveSession(sessionFrom(result));
  return [paragraph(`Joined ${result.organization_name} as ${result.role}. You are logged in.`)];
});

// --- the account's mailed links: #reset=, #verify=, #confirm-email= (like #invitation=) ------------

/** The token of the password reset link opened (in memory only, out of the address bar). */
let resetToken = "";

/**
 * Reads a mailed link's token from the fragment (which never reaches a server's log) and takes it
 * out of the address bar and this history entry at once: the token is a credential.
 */
/**
 * The token of a mailed link, taken out of the address bar. The service's links carry it in the
 * fragment (`#reset=…`), which no request sends to a server; a link written with a query
 * (`?reset=…`) by another sender works too, and its query is dropped from the address at once.
 */
function takeLinkToken(name) {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get(name);
  const query = new URLSearchParams(location.search);
  const token = fromHash || query.get(name);
  if (!token) return "";
  query.delete(name);
  const search = query.size > 0 ? `?${query}` : "";
  history.replaceState(history.state, "", `${location.pathname}${search}${fromHash ? "" : location.hash}`);
  return token;
}

function readAccountLinks() {
  const reset = takeLinkToken("reset");
  if (reset) openReset(reset);
  const verify = takeLinkToken("verify");
  if (verify) followEmailLink(() => verifyEmailLink(verify));
  const confirm = takeLinkToken("confirm-email");
  if (confirm) followEmailLink(() => confirmEmailLink(confirm));
}

/** Shows the password section with one of its forms: "forgot" (ask for a link) or "reset" (set one). */
function showPasswordForm(which) {
  $("password-section").hidden = false;
  $("forgot").hidden = which !== "forgot";
  $("reset").hidden = which !== "reset";
  $("forgot-open").setAttribute("aria-expanded", String(which === "forgot"));
}

function closePasswordSection() {
  $("password-section").hidden = true;
  $("forgot-open").setAttribute("aria-expanded", "false");
}

function openForgot() {
  showPasswordForm("forgot");
  show($("forgot-result"), []);
  // The address typed into the login already, if any.
  if ($("forgot-email").value === "") $("forgot-email").value = $("login-email").value;
  $("forgot-email").focus();
}

function openReset(token) {
  resetToken = token;
  showPasswordForm("reset");
  $("reset").reset();
  $("reset-fields").hidden = false;
  show($("reset-result"), []);
  $("reset-password").focus();
}

$("forgot-open").addEventListener("click", () => {
  if ($("forgot-open").getAttribute("aria-expanded") === "true") closePasswordSection();
  else openForgot();
});

onSubmit("forgot", async (fields) => {
  // The same answer whether the address has an account or not.
  const { message } = await api("POST", "auth/password-reset", { body: { email: fields.email.trim() } });
  return [paragraph(message)];
});

onSubmit("reset", async (fields, form) => {
  if (!resetToken) throw new Error("Open the link in the mail again, or ask for a new one.");
  if (fields.password !== fields.confirm) {
    form.elements.namedItem("confirm").setAttribute("aria-invalid", "true");
    throw new Error("The passwords do not match.");
  }
  try {
    await api("POST", "auth/password-reset/confirm", { body: { token: resetToken, password: fields.password } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 410) {
      // The link works no more: say why, and offer a new one.
      resetToken = "";
      form.reset();
      $("reset-fields").hidden = true;
      const again = button("Ask for a new link");
      again.setAttribute("data-focus", "");
      again.addEventListener("click", openForgot);
      error.followUp = [again];
    }
    throw error;
  }
  resetToken = "";
  form.reset();
  // Every session of the user ended: this tab's too, if it was theirs (a check finds out, and logs out).
  if (session()) await api("GET", "me", { auth: true }).catch(() => undefined);
  closePasswordSection();
  show($("login-result"), [paragraph("Password changed; sign in with the new password.")]);
  $("login-email").focus();
  return [];
});

/** Runs a verify or confirm link's request and shows its outcome in the email section. */
async function followEmailLink(action) {
  $("email-section").hidden = false;
  const target = $("email-result");
  show(target, [paragraph("Checking the link…")]);
  try {
    const nodes = await action();
    show(target, nodes);
  } catch (error) {
    showError(undefined, target, error);
  }
  $("email-section").hidden = false;
}

async function verifyEmailLink(token) {
  const result = await api("POST", "auth/verify-email", { body: { token } });
  // The notice of a signed-in user goes once their address is the one verified.
  await renderEmailNotice(session()).catch(() => undefined);
  return [paragraph(`Your email ${result.email} is verified.`)];
}

async function confirmEmailLink(token) {
  let current = session();
  // An expired access token would be ignored (and its session ended with the others): renew it first.
  if (current?.expires_at && current.expires_at < Date.now() + 5_000 && (await refreshTokens())) current = session();
  // Signed in, the bearer token lets this session continue under the new address.
  const result = await api("POST", "auth/confirm-email", {
    body: { token },
    auth: Boolean(current),
    keepSession: true,
  });
  const continued = Boolean(result.access_token) && current !== null && session()?.token === current.token;
  if (continued) saveSession({ ...current, ...tokensFrom(result) });
  // Otherwise every session of the user ended: this tab's too, if it was theirs.
  else if (session()) await api("GET", "me", { auth: true }).catch(() => undefined);
  return [
    paragraph(
      continued
        ? `Your email is now ${result.email}. Other sessions are logged out; this one continues.`
        : `Your email is now ${result.email}. Every session was logged out: log in with the new address.`,
    ),
  ];
}

// --- a signed-in user whose email is not verified: a notice, and a new link on request -----------

/**
 * Shows the notice when `GET /me` says the email is not verified; hides it otherwise. What a link
 * said (`email-result`) stays until the next link; the section shows while either has something.
 */
async function renderEmailNotice(current) {
  let unverified = false;
  if (current) {
    const me = await api("GET", "me", { auth: true });
    if (session()?.token !== current.token) return;
    unverified = me.email_verified === false;
    $("email-notice-hint").textContent = `Follow the link mailed to ${me.email}, or have it sent again.`;
  }
  if (!unverified) show($("email-resend-result"), []);
  $("email-notice").hidden = !unverified;
  $("email-section").hidden = !unverified && $("email-result").childElementCount === 0;
}

$("email-resend").addEventListener("click", (event) =>
  act(event.currentTarget, $("email-resend-result"), async () => {
    const result = await api("POST", "me/verify-email", { auth: true });
    return [
      paragraph(
        result.mail_sent
          ? `A new link is sent to ${result.email}. Follow it to verify the address.`
          : `The mail to ${result.email} could not be sent: try again later.`,
      ),
    ];
  }),
);

function readLinks() {
  readInvitationLink();
  readAccountLinks();
  readSsoLink();
}

window.addEventListener("hashchange", readLinks);
readLinks();

$("logout").addEventListener("click", async (event) => {
  const logout = event.currentTarget;
  logout.disabled = true;
  // The server ends the session (its refresh token with it); the page forgets it either way.
  await api("POST", "auth/logout", { auth: true, keepSession: true }).catch(() => undefined);
  logout.disabled = false;
  saveSession(null);
});
$("collection-refresh").addEventListener("click", refreshCollection);
// Live while the tab is visible; a hidden tab does not poll.
setInterval(() => {
  if (document.visibilityState === "visible") refreshCollection();
}, POLL_MS);

renderSession();
