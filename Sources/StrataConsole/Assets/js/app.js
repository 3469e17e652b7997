// The console's shell: sign-in, navigation between sections (hash routes), and the notice line.
import { Api } from "./api.js";
import { fill, stateLine } from "./dom.js";
import { showDashboard } from "./dashboard.js";
import { showEvents, showStream, showCorrelation } from "./events.js";
import { showEvent } from "./event.js";
import { showTail } from "./tail.js";
import { showProjections, showParked } from "./projections.js";
import { showUsers } from "./users.js";
import { showSubscriptions, showGroup } from "./subscriptions.js";

const $ = (id) => document.getElementById(id);

const api = new Api((message) => {
  notify(message, "error");
  render();
});

let leave = null;

/** A message at the top of the page; errors stay until the next one. */
function notify(message, kind = "info") {
  const notice = $("notice");
  notice.textContent = message;
  notice.className = `notice notice-${kind}`;
  notice.hidden = !message;
}

/** Section routes: `#/section/arguments…` → a view that returns its clean-up function. */
const routes = {
  dashboard: () => showDashboard,
  events: () => showEvents,
  event: () => showEvent,
  stream: () => showStream,
  correlation: () => showCorrelation,
  tail: () => showTail,
  projections: (args) => (args.length >= 2 && args[1] === "parked" ? showParked : showProjections),
  users: () => showUsers,
  subscriptions: (args) => (args.length >= 1 ? showGroup : showSubscriptions),
};

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter((part) => part !== "").map(decodeURIComponent);
  const section = routes[parts[0]] ? parts[0] : "dashboard";
  return { section, args: routes[parts[0]] ? parts.slice(1) : [] };
}

function render() {
  if (leave) {
    leave();
    leave = null;
  }
  const signedIn = api.signedIn;
  $("sign-in").hidden = signedIn;
  $("view").hidden = !signedIn;
  $("nav").hidden = !signedIn;
  $("account").hidden = !signedIn;
  if (!signedIn) {
    document.title = "Sign in · Strata console";
    $("email").focus();
    return;
  }
  $("account-email").textContent = api.email;
  const { section, args } = parseHash();
  for (const anchor of document.querySelectorAll("#nav a")) {
    const current = anchor.dataset.section === section || (section === "event" && anchor.dataset.section === "events");
    if (current) anchor.setAttribute("aria-current", "page");
    else anchor.removeAttribute("aria-current");
  }
  const view = $("view");
  fill(view, stateLine("loading", "Loading…"));
  const show = routes[section](args);
  leave = show(view, { api, args, notify }) || null;
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = $("sign-in-error");
  const button = $("sign-in-submit");
  const email = $("email").value.trim();
  const password = $("password").value;
  if (!email || !password) {
    error.textContent = "Enter your email and password.";
    error.hidden = false;
    return;
  }
  error.hidden = true;
  button.disabled = true;
  button.textContent = "Signing in…";
  try {
    await api.signIn(email, password);
    $("password").value = "";
    notify("");
    if (!location.hash || location.hash === "#/") location.hash = "#/dashboard";
    render();
    $("main").focus();
  } catch (failure) {
    error.textContent = failure.status === 401 ? "Wrong email or password." : failure.message;
    error.hidden = false;
  } finally {
    button.disabled = false;
    button.textContent = "Sign in";
  }
});

$("sign-out").addEventListener("click", async () => {
  await api.signOut();
  notify("You are signed out.");
  render();
});

window.addEventListener("hashchange", () => {
  notify("");
  render();
});

render();
