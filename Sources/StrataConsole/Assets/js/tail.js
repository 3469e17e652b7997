// The live tail: the SSE feed read with fetch (so the token goes in a header, never the URL),
// newest first, at most BUFFER rows kept; pausing closes the feed and resuming picks up from the
// last event shown (or from the newest BUFFER if more went by).
import { el, fill, formatTime, link, stateLine } from "./dom.js";

const BUFFER = 200;

/** Splits SSE text into messages; returns the messages and the unfinished rest. */
export function parseServerSentEvents(text) {
  const messages = [];
  const blocks = text.split(/\r?\n\r?\n/);
  const rest = blocks.pop();
  for (const block of blocks) {
    const message = { id: null, event: "message", data: [] };
    for (const line of block.split(/\r?\n/)) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (name === "id") message.id = value;
      else if (name === "event") message.event = value;
      else if (name === "data") message.data.push(value);
    }
    if (message.data.length > 0) messages.push({ ...message, data: message.data.join("\n") });
  }
  return { messages, rest };
}

export function showTail(view, { api }) {
  const status = el("p", { id: "tail-status", class: "tail-status", role: "status" }, "Connecting…");
  const toggle = el("button", { type: "button", id: "tail-toggle", "aria-pressed": "false" }, "Pause");
  const clear = el("button", { type: "button", id: "tail-clear" }, "Clear");
  const rows = el("tbody", { id: "tail-rows" });
  const empty = stateLine("empty", "Waiting for events…");
  const tableNode = el("div", { class: "table-wrap" }, el("table", { class: "tail" },
    el("caption", {}, `Live events, newest first (the last ${BUFFER} kept)`),
    el("thead", {}, el("tr", {}, ["Position", "Type", "Stream", "Recorded"].map((name) => el("th", { scope: "col" }, name)))),
    rows));
  fill(view, el("h1", {}, "Live tail"), el("div", { class: "toolbar" }, toggle, clear, status), empty, tableNode);

  let position = null;
  let controller = null;
  let paused = false;
  let stopped = false;
  let retry = 1000;
  let pending = [];
  let frame = null;

  const flush = () => {
    frame = null;
    const fresh = pending.slice(-BUFFER);
    pending = [];
    for (const event of fresh) {
      rows.prepend(el("tr", { "data-position": String(event.position) },
        el("td", {}, link(String(event.position), "event", event.position)),
        el("td", {}, event.type),
        el("td", {}, link(event.streamId, "stream", event.streamId)),
        el("td", {}, formatTime(event.recordedAt))));
    }
    while (rows.children.length > BUFFER) rows.lastElementChild.remove();
    empty.hidden = rows.children.length > 0;
  };

  const receive = (event) => {
    position = event.position;
    pending.push(event);
    if (pending.length > BUFFER) pending.splice(0, pending.length - BUFFER);
    if (frame === null) frame = requestAnimationFrame(flush);
  };

  const connect = async () => {
    if (paused || stopped) return;
    controller = new AbortController();
    try {
      const head = (await api.get("/v1/admin/summary")).headPosition;
      const after = position === null ? Math.max(0, head - 20) : Math.max(position, head - BUFFER);
      const response = await api.fetch(`/v1/admin/events/live?after=${after}`, { headers: { Accept: "text/event-stream" }, signal: controller.signal });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        throw new Error(problem.detail || `HTTP ${response.status}`);
      }
      status.textContent = "Live";
      retry = 1000;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffered = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        const { messages, rest } = parseServerSentEvents(buffered);
        buffered = rest;
        for (const message of messages) {
          try {
            receive(JSON.parse(message.data));
          } catch {
            // A message that is not an event (none are sent today) is left out.
          }
        }
      }
      if (!paused && !stopped) throw new Error("the feed ended");
    } catch (error) {
      if (paused || stopped || !api.signedIn) return;
      status.textContent = `Disconnected (${error.message}); trying again…`;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    }
  };

  toggle.addEventListener("click", () => {
    paused = !paused;
    toggle.textContent = paused ? "Resume" : "Pause";
    toggle.setAttribute("aria-pressed", String(paused));
    if (paused) {
      controller?.abort();
      status.textContent = position === null ? "Paused" : `Paused after position ${position}`;
    } else {
      status.textContent = "Connecting…";
      connect();
    }
  });
  clear.addEventListener("click", () => {
    rows.replaceChildren();
    empty.hidden = false;
  });

  connect();
  return () => {
    stopped = true;
    controller?.abort();
    if (frame !== null) cancelAnimationFrame(frame);
  };
}
