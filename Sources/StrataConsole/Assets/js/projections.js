// Projections: their state, rebuilds with progress, and each one's parked events (the failing
// event, the error, retry and skip).
import { confirmAction, el, fill, formatTime, jsonBlock, link, stateLine, table } from "./dom.js";

const POLL_MS = 1000;

function progress(projection) {
  if (projection.status !== "rebuilding") return null;
  const head = projection.position + projection.lag;
  const done = projection.rebuildPosition ?? 0;
  return el("progress", { max: String(Math.max(head, 1)), value: String(Math.min(done, head)), "aria-label": `Rebuild of ${projection.name}` }, `${done} of ${head}`);
}

export function showProjections(view, { api, notify }) {
  const body = el("div", { id: "projections-body" }, stateLine("loading", "Loading projections…"));
  fill(view, el("h1", {}, "Projections"), body);
  let timer = null;
  let stopped = false;

  const rebuild = async (name, button) => {
    if (!(await confirmAction(`Rebuild projection ${name} from position 0? The current copy keeps serving until the new one is swapped in.`, "Rebuild"))) return;
    button.disabled = true;
    try {
      await api.post(`/v1/admin/projections/${encodeURIComponent(name)}/rebuild`);
      notify(`Rebuilding ${name}…`);
    } catch (error) {
      notify(`Could not rebuild ${name}: ${error.message}`, "error");
    }
    clearTimeout(timer);
    load();
  };

  const load = async () => {
    let rebuilding = false;
    try {
      const projections = await api.get("/v1/admin/projections");
      if (stopped) return;
      rebuilding = projections.some((projection) => projection.status === "rebuilding");
      const rows = projections.map((projection) => {
        const button = el("button", { type: "button", class: "rebuild", "data-projection": projection.name, disabled: projection.status === "rebuilding" }, `Rebuild ${projection.name}`);
        button.addEventListener("click", () => rebuild(projection.name, button));
        return [
          projection.name,
          `${projection.mode}, v${projection.version}`,
          String(projection.position),
          String(projection.lag),
          el("span", { class: `status status-${projection.status}`, "data-status-of": projection.name }, projection.status.replace("_", " ")),
          progress(projection),
          link(`${projection.parked} parked`, "projections", projection.name, "parked"),
          button,
        ];
      });
      fill(body, table("Projections", ["Name", "Mode", "Position", "Lag", "Status", "Progress", "Parked", ""], rows));
    } catch (error) {
      if (!stopped) fill(body, stateLine("error", `Could not load projections: ${error.message}`));
    }
    if (!stopped) timer = setTimeout(load, rebuilding ? POLL_MS : POLL_MS * 3);
  };
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function failingEvent(api, position) {
  const details = el("details", {}, el("summary", {}, "Show the event"));
  details.addEventListener("toggle", async () => {
    if (!details.open || details.dataset.loaded) return;
    details.dataset.loaded = "yes";
    try {
      const page = await api.get(`/v1/admin/events?after=${position - 1}&limit=1`);
      details.append(jsonBlock(page.events[0]?.data ?? null, `Data of event ${position}`));
    } catch (error) {
      details.append(stateLine("error", `Could not load the event: ${error.message}`));
    }
  });
  return details;
}

export function showParked(view, { api, args, notify }) {
  const name = args[0];
  const body = el("div", { id: "parked-body" }, stateLine("loading", "Loading parked events…"));
  fill(view, el("p", {}, link("← Projections", "projections")), el("h1", {}, `Parked events of ${name}`), body);
  const items = new Map();

  const act = async (item, action) => {
    const path = `/v1/admin/projections/${encodeURIComponent(name)}/parked/${item.position}/${action}`;
    if (action === "skip" && !(await confirmAction(`Skip event ${item.position} for ${name}? The projection will never apply it.`, "Skip"))) return;
    try {
      await api.post(path);
      notify(action === "retry" ? `Event ${item.position} applied.` : `Event ${item.position} skipped.`);
      items.delete(item.position);
    } catch (error) {
      if (error.status === 409) {
        notify(`Event ${item.position} failed again: ${error.message}`, "error");
        item.error = error.message;
        item.attempts += 1;
      } else {
        notify(`Could not ${action} event ${item.position}: ${error.message}`, "error");
      }
    }
    render();
  };

  const render = (next) => {
    if (items.size === 0) {
      fill(body, stateLine("empty", "No parked events."));
      return;
    }
    const rows = [...items.values()].map((item) => [
      link(String(item.position), "event", item.position),
      link(item.streamId, "stream", item.streamId),
      item.type,
      el("div", {}, el("p", { class: "error-text" }, item.error), failingEvent(api, item.position)),
      String(item.attempts),
      formatTime(item.parkedAt),
      el("div", { class: "actions" },
        el("button", { type: "button", class: "retry", "data-position": String(item.position), onclick: () => act(item, "retry") }, "Retry"),
        el("button", { type: "button", class: "skip-event danger", "data-position": String(item.position), onclick: () => act(item, "skip") }, "Skip")),
    ]);
    fill(body, table(`Parked events of ${name}`, ["Position", "Stream", "Type", "Error", "Attempts", "Parked", ""], rows),
      next ? el("div", { class: "pager" }, el("button", { type: "button", onclick: () => load(next) }, "More")) : null);
  };

  const load = async (after) => {
    try {
      const page = await api.get(`/v1/admin/projections/${encodeURIComponent(name)}/parked?limit=100${after ? `&after=${after}` : ""}`);
      for (const item of page.items) items.set(item.position, item);
      render(page.next);
    } catch (error) {
      fill(body, stateLine(error.status === 404 ? "empty" : "error", error.status === 404 ? `There is no projection ${name}.` : `Could not load parked events: ${error.message}`));
    }
  };
  load(null);
}
