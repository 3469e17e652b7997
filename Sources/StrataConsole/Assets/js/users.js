// Users: look one up by id or email; deactivate or erase it, each after a confirmation.
import { confirmAction, el, field, fill, formatTime, stateLine } from "./dom.js";

let lastLookup = "";

function facts(user) {
  const row = (term, value) => [el("dt", {}, term), el("dd", {}, value ?? "—")];
  return el("dl", { class: "facts", id: "user-facts" },
    row("Id", el("code", {}, user.id)),
    row("Name", user.name),
    row("Email", user.email),
    row("Role", user.role),
    row("Status", el("span", { class: `status status-${user.status}`, id: "user-status" }, user.status)),
    row("Created", formatTime(user.createdAt)));
}

export function showUsers(view, { api, notify }) {
  const input = el("input", { id: "user-lookup", name: "lookup", type: "search", required: true, placeholder: "an id, or an email address", value: lastLookup });
  const result = el("div", { id: "user-result" });
  const form = el("form", { class: "filters", "aria-label": "Find a user" }, field("User id or email", input), el("button", { type: "submit" }, "Find"));

  const show = (user) => {
    const deactivate = el("button", { type: "button", id: "user-deactivate", disabled: user.status !== "active" }, "Deactivate");
    const erase = el("button", { type: "button", id: "user-erase", class: "danger", disabled: user.status === "erased" }, "Erase");
    deactivate.addEventListener("click", async () => {
      if (!(await confirmAction(`Deactivate ${user.email ?? user.id}? They can no longer sign in.`, "Deactivate"))) return;
      try {
        show(await api.post(`/v1/users/${encodeURIComponent(user.id)}/deactivate`));
        notify("The user is deactivated.");
      } catch (error) {
        notify(`Could not deactivate: ${error.message}`, "error");
      }
    });
    erase.addEventListener("click", async () => {
      if (!(await confirmAction(`Erase ${user.email ?? user.id}? Their personal data is destroyed for good.`, "Erase"))) return;
      try {
        await api.post(`/v1/users/${encodeURIComponent(user.id)}/erase`);
        show(await api.get(`/v1/users/${encodeURIComponent(user.id)}`));
        notify("The user's personal data is erased.");
      } catch (error) {
        notify(`Could not erase: ${error.message}`, "error");
      }
    });
    fill(result, el("h2", {}, user.name ?? "Erased user"), facts(user), el("div", { class: "actions" }, deactivate, erase));
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    lastLookup = text;
    if (!text) {
      fill(result, stateLine("error", "Enter a user id or an email address."));
      return;
    }
    fill(result, stateLine("loading", "Looking up…"));
    try {
      if (text.includes("@")) {
        const page = await api.get(`/v1/users?email=${encodeURIComponent(text)}`);
        if (page.items.length === 0) fill(result, stateLine("empty", `No user has the email ${text}.`));
        else show(page.items[0]);
      } else {
        show(await api.get(`/v1/users/${encodeURIComponent(text)}`));
      }
    } catch (error) {
      fill(result, stateLine(error.status === 404 ? "empty" : "error", error.status === 404 ? `No user has the id ${text}.` : `Could not look up: ${error.message}`));
    }
  });

  fill(view, el("h1", {}, "Users"), form, result);
  if (lastLookup) form.requestSubmit();
}
