// The dashboard: the log's head and write rate, the store, the cache and every projection, polled
// every two seconds while it is on screen.
import { el, fill, formatBytes, link, stateLine, table } from "./dom.js";

const REFRESH_MS = 2000;

function card(label, value, id, detail) {
  return el("div", { class: "card" },
    el("p", { class: "card-label" }, label),
    el("p", { class: "card-value", id }, value),
    detail ? el("p", { class: "card-detail" }, detail) : null);
}

export function projectionRows(projections) {
  return projections.map((projection) => [
    projection.name,
    projection.mode,
    String(projection.position),
    String(projection.lag),
    el("span", { class: `status status-${projection.status}` }, projection.status.replace("_", " ")),
    projection.parked > 0 ? link(`${projection.parked} parked`, "projections", projection.name, "parked") : "0",
  ]);
}

function renderSummary(summary) {
  const cacheLookups = summary.cache.hits + summary.cache.misses;
  return [
    el("div", { class: "cards" },
      card("Head position", String(summary.headPosition), "head-position", `${summary.streams} streams`),
      card("Events per second", summary.eventsPerSecond.toFixed(1), "events-per-second", `over the last ${summary.rateWindowSeconds} s`),
      card("Cache hit rate", cacheLookups === 0 ? "—" : `${(summary.cache.hitRate * 100).toFixed(1)} %`, "cache-hit-rate",
        `${summary.cache.hits} hits, ${summary.cache.misses} misses, ${summary.cache.entries} views`),
      card("Store size", formatBytes(summary.store.usedBytes), "store-size",
        summary.store.mapSize === 0 ? `${formatBytes(summary.store.fileSize)} in the database`
          : `${formatBytes(summary.store.fileSize)} on disk of ${formatBytes(summary.store.mapSize)} allowed`)),
    summary.store.full ? stateLine("error", "The store is full: writes are refused until there is room.") : null,
    table("Projections", ["Name", "Mode", "Position", "Lag", "Status", "Parked"], projectionRows(summary.projections)),
  ];
}

export function showDashboard(view, { api }) {
  const body = el("div", { id: "dashboard-body" }, stateLine("loading", "Loading the dashboard…"));
  const updated = el("p", { class: "updated", id: "dashboard-updated" });
  fill(view, el("h1", {}, "Dashboard"), updated, body);
  let timer = null;
  let stopped = false;
  const update = async () => {
    try {
      const summary = await api.get("/v1/admin/summary");
      if (stopped) return;
      fill(body, renderSummary(summary));
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      if (stopped) return;
      fill(body, stateLine("error", `Could not load the dashboard: ${error.message}`));
    }
    if (!stopped) timer = setTimeout(update, REFRESH_MS);
  };
  update();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
