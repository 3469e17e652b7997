// The event browser: the log newest first or from a position, by type (from the catalogue) or by
// stream-id prefix; a stream's events; every event of one request.
import { el, field, fill, formatTime, link, stateLine, table } from "./dom.js";

const PAGE = 50;

/** What the browser showed last, so coming back from an event finds it as it was. */
const filters = { type: "", from: "", prefix: "", top: null };

export function eventRows(events) {
  return events.map((event) => [
    link(String(event.position), "event", event.position),
    event.type,
    link(event.streamId, "stream", event.streamId),
    String(event.version),
    formatTime(event.recordedAt),
  ]);
}

export function eventTable(caption, events) {
  if (events.length === 0) return stateLine("empty", "No events.");
  return table(caption, ["Position", "Type", "Stream", "Version", "Recorded"], eventRows(events));
}

function query(parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== "" && value !== null && value !== undefined) search.set(name, String(value));
  }
  return search.toString();
}

export function showEvents(view, { api }) {
  const typeSelect = el("select", { id: "event-type", name: "type" }, el("option", { value: "" }, "All types"));
  const fromInput = el("input", { id: "event-from", name: "from", type: "number", min: "0", inputmode: "numeric", placeholder: "newest first", value: filters.from });
  const prefixInput = el("input", { id: "stream-prefix", name: "prefix", type: "search", placeholder: "e.g. product-", value: filters.prefix });
  const results = el("div", { id: "event-results" }, stateLine("loading", "Loading events…"));
  const streams = el("div", { id: "stream-results" });
  const pager = el("div", { class: "pager" });

  const loadTypes = async () => {
    try {
      const catalogue = await api.get("/v1/admin/event-types");
      for (const entry of catalogue.types) {
        typeSelect.append(el("option", { value: entry.type }, `${entry.type} (${entry.count})`));
      }
      typeSelect.value = filters.type;
    } catch (error) {
      typeSelect.append(el("option", { disabled: true }, `Types unavailable: ${error.message}`));
    }
  };

  const load = async () => {
    fill(results, stateLine("loading", "Loading events…"));
    fill(pager);
    try {
      if (filters.type || filters.from !== "") {
        const after = filters.from === "" ? 0 : Math.max(0, Number(filters.from) - 1);
        const page = await api.get(`/v1/admin/events?${query({ type: filters.type, after, limit: PAGE })}`);
        const caption = filters.type ? `Events of type ${filters.type}, in log order` : `Events from position ${after + 1}`;
        fill(results, eventTable(caption, page.events));
        if (page.next) {
          pager.append(el("button", { type: "button", id: "events-next", onclick: () => { filters.from = String(Number(page.next) + 1); fromInput.value = filters.from; load(); } }, "Next page"));
        }
        return;
      }
      const head = (await api.get("/v1/admin/summary")).headPosition;
      const top = filters.top === null ? head : Math.min(filters.top, head);
      const after = Math.max(0, top - PAGE);
      const page = await api.get(`/v1/admin/events?${query({ after, limit: Math.max(1, top - after) })}`);
      fill(results, eventTable(`Events ${after + 1}–${top}, newest first`, top === 0 ? [] : page.events.reverse()));
      if (top < head) pager.append(el("button", { type: "button", id: "events-newer", onclick: () => { filters.top = top + PAGE; load(); } }, "Newer"));
      if (after > 0) pager.append(el("button", { type: "button", id: "events-older", onclick: () => { filters.top = after; load(); } }, "Older"));
    } catch (error) {
      fill(results, stateLine("error", `Could not load events: ${error.message}`));
    }
  };

  const loadStreams = async (after) => {
    if (!after) fill(streams, stateLine("loading", "Finding streams…"));
    try {
      const page = await api.get(`/v1/admin/streams?${query({ prefix: filters.prefix, after, limit: PAGE })}`);
      if (!after) fill(streams);
      streams.querySelector(".pager")?.remove();
      if (page.items.length === 0 && !after) {
        streams.append(stateLine("empty", `No stream starts with “${filters.prefix}”.`));
        return;
      }
      let list = streams.querySelector("ul");
      if (!list) streams.append((list = el("ul", { class: "streams", "aria-label": "Streams" })));
      for (const item of page.items) list.append(el("li", {}, link(item.streamId, "stream", item.streamId), ` — version ${item.version}`));
      if (page.next) streams.append(el("div", { class: "pager" }, el("button", { type: "button", onclick: () => loadStreams(page.next) }, "More streams")));
    } catch (error) {
      fill(streams, stateLine("error", `Could not list streams: ${error.message}`));
    }
  };

  const filterForm = el("form", { class: "filters", "aria-label": "Filter events" },
    field("Event type", typeSelect), field("From position", fromInput),
    el("button", { type: "submit" }, "Show events"));
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    filters.type = typeSelect.value;
    filters.from = fromInput.value.trim();
    filters.top = null;
    load();
  });
  const streamForm = el("form", { class: "filters", "aria-label": "Find streams" },
    field("Stream id prefix", prefixInput), el("button", { type: "submit" }, "Find streams"));
  streamForm.addEventListener("submit", (event) => {
    event.preventDefault();
    filters.prefix = prefixInput.value.trim();
    loadStreams(null);
  });

  fill(view, el("h1", {}, "Events"), filterForm, results, pager, el("h2", {}, "Streams"), streamForm, streams);
  loadTypes();
  load();
  if (filters.prefix) loadStreams(null);
}

export function showStream(view, { api, args }) {
  const streamId = args[0] || "";
  const results = el("div", {}, stateLine("loading", "Loading the stream…"));
  const pager = el("div", { class: "pager" });
  fill(view, el("p", {}, link("← Events", "events")), el("h1", {}, "Stream ", el("code", {}, streamId)), results, pager);
  const load = async (from) => {
    try {
      const page = await api.get(`/v1/admin/streams/${encodeURIComponent(streamId)}?${query({ direction: "backward", from, limit: PAGE })}`);
      fill(results, el("p", {}, `Version ${page.version}, newest first.`), eventTable(`Events of ${streamId}`, page.events));
      fill(pager);
      const last = page.events[page.events.length - 1];
      if (last && last.version > 1) pager.append(el("button", { type: "button", onclick: () => load(last.version - 1) }, "Older"));
    } catch (error) {
      fill(results, stateLine(error.status === 404 ? "empty" : "error", error.status === 404 ? `There is no stream ${streamId}.` : `Could not load the stream: ${error.message}`));
    }
  };
  load(null);
}

export function showCorrelation(view, { api, args }) {
  const correlationId = args[0] || "";
  const results = el("div", { id: "correlation-results" }, stateLine("loading", "Loading the request's events…"));
  fill(view, el("p", {}, link("← Events", "events")), el("h1", {}, "Request ", el("code", {}, correlationId)),
    el("p", {}, "Every event this request appended, and those of requests it caused."), results);
  (async () => {
    try {
      const events = [];
      let after = 0;
      for (;;) {
        const page = await api.get(`/v1/admin/events?${query({ correlationId, after, limit: 1000 })}`);
        events.push(...page.events);
        if (!page.next || events.length >= 5000) break;
        after = Number(page.next);
      }
      fill(results, eventTable(`Events of request ${correlationId}`, events));
    } catch (error) {
      fill(results, stateLine("error", `Could not load the request's events: ${error.message}`));
    }
  })();
}
