// SSE parser tests: the text/event-stream framing rules, fed in awkward chunks.
import { describe, expect, it } from 'vitest';
import { SseParser } from './sse';

function parseAll(chunks: string[]) {
  const p = new SseParser();
  return chunks.flatMap((c) => p.push(c));
}

describe('SseParser', () => {
  it('joins multi-line data and reads event and id fields', () => {
    expect(parseAll(['event: progress\nid: 7\ndata: a\ndata:b\n\n'])).toEqual([{ event: 'progress', data: 'a\nb', id: '7' }]);
  });

  it('handles CRLF split across chunks and lone CR line ends', () => {
    const msgs = parseAll(['data: one\r', '\n\r', '\ndata: two\r\r']);
    expect(msgs.map((m) => m.data)).toEqual(['one', 'two']);
  });

  it('ignores comments and blank lines without data, and defaults the event name', () => {
    expect(parseAll([': ping\n\n\n', 'data: x\n\n'])).toEqual([{ event: 'message', data: 'x', id: null }]);
  });

  it('keeps a message pending until its blank line arrives, byte by byte', () => {
    const text = 'data: {"type":"finished"}\n\n';
    const p = new SseParser();
    const out = [...text].flatMap((ch) => p.push(ch));
    expect(out).toEqual([{ event: 'message', data: '{"type":"finished"}', id: null }]);
    expect(new SseParser().push('data: never closed\n')).toEqual([]);
  });
});
