// The organization: its details, a live view of its tenant collection, renaming and deleting it.
import { api } from "./api.js";
import { $, clear, details, onSubmit, paragraph, plural, show, showError } from "./dom.js";
import { organizationDetails } from "./panel-lookup.js";
import * as session from "./session.js";

const POLL_MS = 3000;

let pollTimer;
let polling = false;
/** What the live region shows: rewritten only when that changes, so screen readers hear changes only. */
let shownCollection = "";

export const organizationSection = {
  id: "organization",
  available: (view) => !view.mfaEnrollmentRequired,

  open(view) {
    const rename = session.can("org:rename");
    const remove = session.can("org:delete");
    $("rename").hidden = !rename;
    $("delete").hidden = !remove;
    const missing = [!rename && "renaming", !remove && "deleting"].filter(Boolean);
    $("organization-limits").hidden = missing.length === 0;
    $("organization-limits").textContent =
      `Your role, ${view.role}, does not include ${missing.join(" or ")} the organization.`;
    loadDetails(view).catch((error) => showError(undefined, $("organization-details"), error));
    refreshCollection();
    // Live while the section is open and the tab visible; a hidden tab does not poll.
    clearInterval(pollTimer);
    pollTimer = setInterval(() => {
      if (document.visibilityState === "visible") refreshCollection();
    }, POLL_MS);
  },

  close() {
    clearInterval(pollTimer);
  },

  clear() {
    clearInterval(pollTimer);
    shownCollection = "";
    for (const id of ["organization-details", "collection"]) $(id).replaceChildren();
    $("collection-updated").textContent = "";
    $("rename").reset();
    $("delete").reset();
    clear("rename-result", "delete-result");
  },
};

async function loadDetails(view) {
  const query = new URLSearchParams({ organization_name: view.organizationName });
  const org = await api("GET", `org/get?${query}`, { auth: true });
  if (session.isCurrent(view)) show($("organization-details"), [organizationDetails(org)]);
}

async function refreshCollection() {
  const view = session.current();
  if (polling || !view) return;
  polling = true;
  const target = $("collection");
  try {
    const collection = await api("GET", "org/collection", { auth: true });
    if (!session.isCurrent(view)) return;
    const key = `${collection.collection_name}:${collection.document_count}`;
    if (key !== shownCollection || target.classList.contains("error")) {
      const count = paragraph(plural(collection.document_count, "document", "documents"), "count");
      count.id = "collection-count";
      show(target, [details([["Collection", collection.collection_name]]), count]);
      shownCollection = key;
    }
    $("collection-updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    shownCollection = "";
    if (session.isCurrent(view)) showError(undefined, target, error);
  } finally {
    polling = false;
  }
}

$("collection-refresh").addEventListener("click", refreshCollection);

onSubmit("rename", async (fields, form) => {
  const view = session.current();
  const org = await api("PUT", "org/update", {
    auth: true,
    body: { organization_name: view.organizationName, new_organization_name: fields.new_organization_name },
  });
  form.reset();
  session.rename(org.organization_name);
  show($("organization-details"), [organizationDetails(org)]);
  return [paragraph(`Renamed to ${org.organization_name}.`)];
});

onSubmit("delete", async (fields, form) => {
  const { organizationName } = session.current();
  if (fields.confirm.trim() !== organizationName) throw new Error(`Type "${organizationName}" exactly to confirm.`);
  const query = new URLSearchParams({ organization_name: organizationName });
  const result = await api("DELETE", `org/delete?${query}`, { auth: true });
  form.reset();
  session.end(`Deleted ${result.organization_name}. You are signed out.`);
  return [];
});
