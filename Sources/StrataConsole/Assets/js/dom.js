// Building the page without ever interpreting data as HTML: every string becomes a text node.

/** An element with attributes (`on*` functions become listeners) and children (strings are text). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      node.className = value;
    } else if (value === true) {
      node.setAttribute(name, "");
    } else {
      node.setAttribute(name, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** An in-page link to a console route (`#/…`); parts are URI-encoded. */
export function link(text, ...parts) {
  return el("a", { href: route(...parts) }, text);
}

/** The hash of a console route. */
export function route(...parts) {
  return "#/" + parts.map((part) => encodeURIComponent(String(part))).join("/");
}

/** A loading, empty or error line, announced to screen readers. */
export function stateLine(kind, text) {
  return el("p", { class: `state state-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

/** JSON as indented text in a `<pre>`. */
export function jsonBlock(value, label) {
  return el("pre", { class: "json", tabindex: "0", "aria-label": label }, JSON.stringify(value, null, 2));
}

/** A table with a caption, header cells and rows of cells (nodes or text). */
export function table(caption, headers, rows) {
  return el("div", { class: "table-wrap" }, el("table", {},
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, headers.map((header) => el("th", { scope: "col" }, header)))),
    el("tbody", {}, rows.map((row) => el("tr", {}, row.map((cell) => el("td", {}, cell)))))));
}

/** Bytes as KiB, MiB or GiB. */
export function formatBytes(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** An RFC 3339 time as the reader's local time. */
export function formatTime(text) {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? String(text) : date.toLocaleString();
}

/** A labelled form control: `<label>` then the control, tied by id. */
export function field(label, control) {
  return el("div", { class: "field" }, el("label", { for: control.id }, label), control);
}

/** Asks the person to confirm in a modal dialog; resolves to whether they did. */
export function confirmAction(question, action) {
  return new Promise((resolve) => {
    const dialog = el("dialog", { class: "confirm", "aria-labelledby": "confirm-question" });
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.append(
      el("p", { id: "confirm-question" }, question),
      el("div", { class: "actions" },
        el("button", { type: "button", class: "danger", id: "confirm-yes", onclick: () => finish(true) }, action),
        el("button", { type: "button", id: "confirm-no", onclick: () => finish(false) }, "Cancel")));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("#confirm-no").focus();
  });
}
