// Reading POST /api/v1/checks as an event stream (EventSource cannot POST, so fetch() reads it).
// The same parser for the console and the extension: a check's progress and its result arrive
// exactly the same way in both.

/** Splits a text/event-stream body into {event, data} messages (WHATWG HTML §9.2.6). */
export async function* readEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value ?? new Uint8Array(), { stream: !done });
    // A "\r" ending a chunk may be the first half of a "\r\n" cut in two: read alone it would
    // end a line, and with the "\n" that follows, the whole event (its data would be lost).
    const halfNewline = !done && buffer.endsWith("\r");
    if (halfNewline) buffer = buffer.slice(0, -1);
    buffer = buffer.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (!line || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const raw = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = raw;
        else if (field === "data") data.push(raw);
      }
      if (data.length) yield { event, data: data.join("\n") };
    }
    if (halfNewline) buffer += "\r";
    if (done) return;
  }
}

/**
 * Reads a check's stream to its end: each `progress` event's data goes to onProgress, and the
 * promise resolves with the `result` document, or null when the stream ended without one.
 */
export async function readCheck(body, onProgress = () => {}) {
  for await (const { event, data } of readEvents(body)) {
    const parsed = JSON.parse(data);
    if (event === "progress") onProgress(parsed);
    else if (event === "result") return parsed;
  }
  return null;
}

/** A progress event about one check step, or null for anything else. */
export function probeStep(event) {
  if (!event || event.event !== "probe" || typeof event.probe !== "string") return null;
  const status = ["started", "done", "failed", "error"].includes(event.status) ? event.status : "done";
  return { ...event, status };
}
