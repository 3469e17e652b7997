// One event: where it sits, its data and metadata as formatted JSON, and links to its stream and
// to every event of the request that appended it.
import { el, fill, formatTime, jsonBlock, link, stateLine } from "./dom.js";

function row(term, ...description) {
  return [el("dt", {}, term), el("dd", {}, ...description)];
}

function requestLink(id) {
  return typeof id === "string" && id !== "" ? link(id, "correlation", id) : "—";
}

export function showEvent(view, { api, args }) {
  const position = Number(args[0]);
  const back = el("p", {}, link("← Events", "events"));
  if (!Number.isInteger(position) || position < 1) {
    fill(view, back, stateLine("error", "An event's position is a whole number from 1."));
    return;
  }
  fill(view, back, el("h1", {}, `Event ${position}`), stateLine("loading", "Loading the event…"));
  (async () => {
    try {
      const page = await api.get(`/v1/admin/events?after=${position - 1}&limit=1`);
      const event = page.events[0];
      if (!event || event.position !== position) {
        fill(view, back, el("h1", {}, `Event ${position}`), stateLine("empty", `There is no event at position ${position} yet.`));
        return;
      }
      const metadata = event.metadata || {};
      const pager = el("div", { class: "pager" },
        position > 1 ? el("a", { href: `#/event/${position - 1}`, class: "button" }, "Previous event") : null,
        page.next ? el("a", { href: `#/event/${position + 1}`, class: "button" }, "Next event") : null);
      fill(view, back,
        el("h1", {}, `Event ${position}: `, el("span", { class: "event-type" }, event.type)),
        el("dl", { class: "facts" },
          row("Stream", link(event.streamId, "stream", event.streamId)),
          row("Version", String(event.version)),
          row("Event id", el("code", {}, event.id)),
          row("Recorded", formatTime(event.recordedAt), " ", el("span", { class: "muted" }, `(${event.recordedAt})`)),
          row("Correlation id", el("span", { id: "correlation-id" }, requestLink(metadata.correlationId))),
          row("Causation id", el("span", { id: "causation-id" }, requestLink(metadata.causationId)))),
        el("h2", {}, "Data"), jsonBlock(event.data, "Event data"),
        el("h2", {}, "Metadata"), jsonBlock(metadata, "Event metadata"),
        pager);
    } catch (error) {
      fill(view, back, el("h1", {}, `Event ${position}`), stateLine("error", `Could not load the event: ${error.message}`));
    }
  })();
}
