// Output built with DOM calls, never from HTML strings: the page's Trusted Types policy refuses
// those, so no text from the API can ever become markup.

export const $ = (id) => document.getElementById(id);

export function paragraph(text, className) {
  const p = document.createElement("p");
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

/** A description list of `[term, value]` pairs; undefined values are left out. */
export function details(entries) {
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

export function button(text, { label, className } = {}) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = text;
  if (label) element.setAttribute("aria-label", label);
  if (className) element.className = className;
  return element;
}

export function time(iso, format = (date) => date.toLocaleDateString()) {
  const element = document.createElement("time");
  element.dateTime = iso;
  element.textContent = format(new Date(iso));
  return element;
}

export const plural = (count, one, many) => `${count} ${count === 1 ? one : many}`;

/** Replaces what `target` shows; an element marked `data-focus` among the new nodes takes the focus. */
export function show(target, nodes, isError = false) {
  target.classList.toggle("error", isError);
  target.replaceChildren(...nodes);
  target.querySelector("[data-focus]")?.focus();
}

/** Empties status lines, by id. */
export function clear(...ids) {
  for (const id of ids) show($(id), []);
}

/** A problem (RFC 9457) as text, its field errors as a list, and the offending inputs marked. */
export function showError(form, target, error) {
  const problem = error?.problem ?? {};
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

/**
 * Wires the form `formId`: its fields collected, `action(fields, form)` run, what it returns (nodes)
 * or its error shown in `<formId>-result`.
 */
export function onSubmit(formId, action) {
  const form = $(formId);
  const result = $(`${formId}-result`);
  form.addEventListener("submit", async (event) => {
    // Never a native submission: it would put the fields (passwords) in a URL.
    event.preventDefault();
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    const fields = Object.fromEntries([...new FormData(form)].map(([name, value]) => [name, String(value)]));
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    show(result, [paragraph("Working…")]);
    try {
      show(result, await action(fields, form));
    } catch (error) {
      showError(form, result, error);
    } finally {
      submit.disabled = false;
    }
  });
}

/** Runs a button's action: the button disabled meanwhile, what it returns or its error shown in `target`. */
export async function act(trigger, target, action) {
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
export function confirmInline(trigger, question, yesText, action) {
  const group = document.createElement("span");
  group.className = "confirm";
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", question);
  const text = document.createElement("span");
  text.textContent = question;
  const yes = button(yesText, { className: "danger" });
  const cancel = button("Cancel");
  group.append(text, " ", yes, " ", cancel);
  const close = () => {
    group.remove();
    trigger.hidden = false;
    // Gone when the action rewrote the list it was in (and hidden with a section a sign-out closed).
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

/** Drops the questions {@link confirmInline} left open inside `container`. */
export function closeQuestions(container) {
  for (const question of container.querySelectorAll(".confirm")) {
    question.previousElementSibling?.removeAttribute("hidden");
    question.remove();
  }
}

/** The fields that are not empty: optional fields are left out of a request rather than sent blank. */
export const nonEmpty = (fields) => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== ""));

/**
 * A field's JSON object, or an error that says what is wrong with it (the field marked invalid):
 * nothing is sent then.
 */
export function jsonObject(field, what) {
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

/**
 * The token of a mailed or redirected link, taken out of the address bar and this history entry
 * at once: it is a credential. The service's links carry it in the fragment (`#reset=…`), which no
 * request sends to a server; a link written with a query (`?reset=…`) by another sender works too,
 * and its query is dropped from the address at once.
 */
export function takeLinkToken(name) {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get(name);
  const query = new URLSearchParams(location.search);
  const token = fromHash || query.get(name);
  if (!token) return "";
  query.delete(name);
  const search = query.size > 0 ? `?${query}` : "";
  history.replaceState(history.state, "", `${location.pathname}${search}${fromHash ? "" : location.hash}`);
  return token;
}

/** Whether the focus is nowhere a user can see (on the body, or in something just hidden). */
export const focusLost = () => {
  const active = document.activeElement;
  return !active || active === document.body || !active.checkVisibility?.();
};
