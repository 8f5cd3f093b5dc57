//! Server-sent events parsing (the `text/event-stream` format), independent of EventSource so the stream can be read
//! from `fetch` with an `Authorization` header (EventSource cannot send one). Pure: fed text chunks, returns messages.

export interface SseMessage {
  /** The `event:` field; `message` when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last `id:` seen, if any. */
  id: string | null;
}

/** Incremental parser: chunks may split lines (and `\r\n`) anywhere. */
export class SseParser {
  private buffer = '';
  private dataLines: string[] = [];
  private event = '';
  private lastId: string | null = null;
  private sawCr = false;

  /** Feed a chunk of the stream; returns every message completed by it. */
  push(chunk: string): SseMessage[] {
    let text = chunk;
    // A `\r\n` split across chunks: the `\r` already ended the line, so drop the `\n`.
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = text.endsWith('\r');
    this.buffer += text;
    const out: SseMessage[] = [];
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    for (const line of lines) {
      const msg = this.line(line);
      if (msg) out.push(msg);
    }
    return out;
  }

  private line(line: string): SseMessage | null {
    if (line === '') {
      if (this.dataLines.length === 0) {
        this.event = '';
        return null;
      }
      const msg = { event: this.event || 'message', data: this.dataLines.join('\n'), id: this.lastId };
      this.dataLines = [];
      this.event = '';
      return msg;
    }
    if (line.startsWith(':')) return null; // a comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    // `retry` and unknown fields are ignored.
    return null;
  }
}

/** Read a byte stream of server-sent events, calling `onMessage` for each complete message until it ends. */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onMessage: (msg: SseMessage) => void,
  signal?: AbortSignal,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      if (signal?.aborted) return;
      const { done, value } = await reader.read();
      if (done) break;
      for (const msg of parser.push(decoder.decode(value, { stream: true }))) onMessage(msg);
    }
    // Per the format, a message without its closing blank line at the end of the stream is discarded.
  } finally {
    reader.releaseLock();
  }
}
