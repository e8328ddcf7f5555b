// Server-Sent Events over fetch(): EventSource cannot send an Authorization header.
// `parseEvents` is pure (tested with node --test); `streamEvents` reads a fetch Response.

/** Split a text/event-stream buffer into complete events and the incomplete rest. */
export function parseEvents(buffer) {
  const events = [];
  const text = buffer.replace(/\r\n?/g, "\n");
  const blocks = text.split("\n\n");
  const rest = blocks.pop();
  for (const block of blocks) {
    let event = "message";
    const data = [];
    let id = null;
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
      else if (field === "id") id = value;
    }
    if (data.length) events.push({ event, data: data.join("\n"), id });
  }
  return { events, rest };
}

/** Read `response`'s body as events, calling `onEvent` for each; resolves when it ends. */
export async function streamEvents(response, onEvent, signal) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      if (signal && signal.aborted) return;
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const parsed = parseEvents(buffer);
      buffer = parsed.rest;
      for (const event of parsed.events) onEvent(event);
    }
    const parsed = parseEvents(buffer + "\n\n");
    for (const event of parsed.events) onEvent(event);
  } finally {
    reader.releaseLock();
  }
}
