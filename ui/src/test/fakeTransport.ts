//! A Transport for tests: records every call and answers from a function (which may throw a CommandError). A
//! streaming call first delivers the events `events(name, input)` lists, then resolves to the answer.

import type { Transport } from '../lib/transport';

export type Answer = (name: string, input: unknown) => unknown;
export type Events = (name: string, input: unknown) => unknown[];

export class FakeTransport implements Transport {
  readonly kind = 'http' as const;
  readonly calls: { name: string; input: unknown }[] = [];
  /** The names called through `stream` (also recorded in `calls`). */
  readonly streamed: string[] = [];
  answer: Answer;
  events: Events;

  constructor(answer: Answer, events: Events = () => []) {
    this.answer = answer;
    this.events = events;
  }

  /** How many times `name` was called. */
  count(name: string): number {
    return this.calls.filter((c) => c.name === name).length;
  }

  async invoke(name: string, input: unknown): Promise<unknown> {
    this.calls.push({ name, input });
    return this.answer(name, input);
  }

  async stream(name: string, input: unknown, onEvent: (event: unknown) => void): Promise<unknown> {
    this.calls.push({ name, input });
    this.streamed.push(name);
    for (const e of this.events(name, input)) onEvent(e);
    return this.answer(name, input);
  }
}
