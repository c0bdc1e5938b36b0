// The tenant collection's documents: listed in pages (filter, sort), inserted, edited, deleted; and
// the usage against the quotas.
import { api } from "./api.js";
import {
  $,
  act,
  button,
  clear,
  closeQuestions,
  confirmInline,
  details,
  jsonObject,
  onSubmit,
  paragraph,
  plural,
  show,
  showError,
} from "./dom.js";
import * as session from "./session.js";

/** The query of the list shown (filter, sort, order, limit) and the cursor of its next page. */
let documentsQuery = { limit: "20" };
let documentsCursor;
/** The document in the edit form, and the button that gets the focus back when it closes. */
let editing = "";
let editTrigger;

export const documentsSection = {
  id: "documents",
  available: (view) => !view.mfaEnrollmentRequired && view.scopes.has("data:read"),

  open(view) {
    const writes = session.can("data:write");
    $("insert").hidden = !writes;
    $("documents-limits").hidden = writes;
    $("documents-limits").textContent = `Your role, ${view.role}, does not include changing documents.`;
    loadDocuments().catch((error) => showError(undefined, $("documents-result"), error));
    loadUsage().catch((error) => showError(undefined, $("usage"), error));
  },

  close() {
    closeEdit();
    closeQuestions($("documents"));
  },

  clear() {
    closeEdit();
    closeQuestions($("documents"));
    documentsCursor = undefined;
    $("documents-query").reset();
    documentsQuery = { limit: $("documents-limit").value || "20" };
    $("insert").reset();
    $("documents-list").replaceChildren();
    $("documents-more").hidden = true;
    $("documents-none").hidden = true;
    $("usage").replaceChildren();
    clear("documents-result", "documents-query-result", "insert-result", "document-edit-result");
  },
};

/** A document in one line, without its `_id` (shown beside it), cut short when long. */
function preview(entry) {
  const { _id, ...fields } = entry;
  const text = JSON.stringify(fields);
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

/** The first page of documents for `documentsQuery`, or the next one appended (`more`). */
async function loadDocuments(more = false) {
  const view = session.current();
  if (!view) return;
  const query = new URLSearchParams(documentsQuery);
  if (more && documentsCursor) query.set("cursor", documentsCursor);
  const page = await api("GET", `org/data/documents?${query}`, { auth: true });
  if (!session.isCurrent(view)) return;
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
  if (session.can("data:write")) {
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
  }
  row.append(id, body, actions);
  return row;
}

/** The row showing the document `id`, if the list shows it. */
const rowOf = (id) => [...$("documents-list").rows].find((row) => row.dataset.id === id);

async function loadUsage() {
  const view = session.current();
  if (!view) return;
  const usage = await api("GET", "org/usage", { auth: true });
  if (!session.isCurrent(view)) return;
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

/** Opens the edit form with the document as stored now. */
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
  return [paragraph(`Deleted ${id}.`)];
}

onSubmit("insert", async (_fields, form) => {
  const body = jsonObject(form.elements.namedItem("document"), "document");
  const stored = await api("POST", "org/data/documents", { auth: true, body });
  form.reset();
  // The list again from its first page, the new document where its order puts it.
  await loadDocuments().catch((error) => showError(undefined, $("documents-result"), error));
  await loadUsage().catch(() => undefined);
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
  const shown = plural($("documents-list").rows.length, "document", "documents");
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
