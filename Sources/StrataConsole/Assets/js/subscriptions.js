// Consumer groups: each group's filter, position, lag and consumers; one group's parked messages
// with replay and skip.
import { confirmAction, el, fill, formatTime, link, stateLine, table } from "./dom.js";

const POLL_MS = 3000;

function filterText(group) {
  const types = group.eventTypes.length ? group.eventTypes.join(", ") : "every type";
  return group.streamPrefix ? `${types} in ${group.streamPrefix}*` : types;
}

export function showSubscriptions(view, { api }) {
  const body = el("div", { id: "subscriptions-body" }, stateLine("loading", "Loading consumer groups…"));
  fill(view, el("h1", {}, "Subscriptions"), body);
  let timer = null;
  let stopped = false;
  const load = async () => {
    try {
      const page = await api.get("/v1/subscriptions");
      if (stopped) return;
      if (page.items.length === 0) {
        fill(body, stateLine("empty", "No consumer groups. Make one with PUT /v1/subscriptions/{group}."));
      } else {
        const rows = page.items.map((group) => [
          link(group.group, "subscriptions", group.group),
          filterText(group),
          String(group.position),
          el("span", { "data-lag-of": group.group }, String(group.lag)),
          String(group.inFlight),
          link(`${group.parked} parked`, "subscriptions", group.group),
          String(group.consumers.length),
          group.push ? group.push.url : "polled",
        ]);
        fill(body, table("Consumer groups", ["Group", "Filter", "Position", "Lag", "In flight", "Parked", "Consumers", "Delivery"], rows));
      }
    } catch (error) {
      if (!stopped) fill(body, stateLine("error", `Could not load consumer groups: ${error.message}`));
    }
    if (!stopped) timer = setTimeout(load, POLL_MS);
  };
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export function showGroup(view, { api, args, notify }) {
  const name = args[0];
  const summary = el("div", { id: "group-summary" }, stateLine("loading", "Loading the group…"));
  const consumers = el("div", { id: "group-consumers" });
  const parked = el("div", { id: "group-parked" });
  fill(view, el("p", {}, link("← Subscriptions", "subscriptions")), el("h1", {}, `Consumer group ${name}`), summary,
    el("h2", {}, "Consumers"), consumers, el("h2", {}, "Parked messages"), parked);
  const base = `/v1/subscriptions/${encodeURIComponent(name)}`;

  const act = async (item, action) => {
    if (action === "skip" && !(await confirmAction(`Skip message ${item.position} of ${name}? The group will never deliver it again.`, "Skip"))) return;
    try {
      await api.post(`${base}/parked/${item.position}/${action}`);
      notify(action === "replay" ? `Message ${item.position} will be delivered again.` : `Message ${item.position} skipped.`);
    } catch (error) {
      notify(`Could not ${action} message ${item.position}: ${error.message}`, "error");
    }
    load();
  };

  const load = async () => {
    try {
      const group = await api.get(base);
      fill(summary, table(`Group ${name}`, ["Filter", "Start", "Ack timeout", "Max deliveries", "Delivery", "Position", "Head", "Lag", "In flight", "Parked"], [[
        filterText(group), String(group.startFrom), `${group.ackTimeoutSeconds} s`, String(group.maxDeliveries),
        group.push ? `push to ${group.push.url}` : "polled", String(group.position), String(group.head),
        el("span", { id: "group-lag" }, String(group.lag)), String(group.inFlight), el("span", { id: "group-parked-count" }, String(group.parked)),
      ]]));
      fill(consumers, group.consumers.length === 0 ? stateLine("empty", "No consumer has polled yet.")
        : table(`Consumers of ${name}`, ["Consumer", "In flight", "Last seen"], group.consumers.map((consumer) => [
          consumer.consumer, String(consumer.inFlight), formatTime(consumer.lastSeenAt),
        ])));
      const page = await api.get(`${base}/parked?limit=100`);
      fill(parked, page.items.length === 0 ? stateLine("empty", "No parked messages.")
        : table(`Parked messages of ${name}`, ["Position", "Stream", "Type", "Reason", "Deliveries", "Parked", ""], page.items.map((item) => [
          link(String(item.position), "event", item.position),
          link(item.streamId, "stream", item.streamId),
          item.type,
          el("p", { class: "error-text" }, item.reason),
          String(item.deliveries),
          formatTime(item.parkedAt),
          el("div", { class: "actions" },
            el("button", { type: "button", class: "replay-message", "data-position": String(item.position), onclick: () => act(item, "replay") }, "Replay"),
            el("button", { type: "button", class: "skip-message danger", "data-position": String(item.position), onclick: () => act(item, "skip") }, "Skip")),
        ])));
    } catch (error) {
      fill(summary, stateLine(error.status === 404 ? "empty" : "error", error.status === 404 ? `There is no consumer group ${name}.` : `Could not load the group: ${error.message}`));
    }
  };
  load();
}
