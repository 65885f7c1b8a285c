import { StringDecoder } from 'node:string_decoder';

/**
 * Text kept within a budget: the head (where engines print what went wrong first) and the tail (where they print
 * their final verdict); the middle is replaced by a note saying how much was dropped.
 */
export class BoundedText {
  private head = '';
  private tail = '';
  private dropped = 0;

  constructor(
    private readonly headChars: number,
    private readonly tailChars: number,
  ) {}

  append(text: string): void {
    if (!text) return;
    if (this.head.length < this.headChars) {
      const room = this.headChars - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
      if (!text) return;
    }
    this.tail += text;
    if (this.tail.length > this.tailChars) {
      const excess = this.tail.length - this.tailChars;
      this.tail = this.tail.slice(excess);
      this.dropped += excess;
    }
  }

  toString(): string {
    return this.dropped > 0
      ? `${this.head}\n[… ${this.dropped} characters omitted …]\n${this.tail}`
      : this.head + this.tail;
  }
}

/**
 * Splits one child output stream into per-task captures. A task's output runs from `begin()` to the task's
 * marker, which the child writes after the handler ends; output outside a task goes to a small background buffer
 * (startup errors, late writes).
 */
export class StreamCollector {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private marker: string | undefined;
  private sink: BoundedText | undefined;
  private onText: ((text: string) => void) | undefined;
  private onMarker: (() => void) | undefined;
  readonly background = new BoundedText(4096, 12_288);

  /** Starts routing output to `sink` until `marker` is seen; `onMarker` fires once at that point. */
  begin(marker: string, sink: BoundedText, onMarker: () => void, onText?: (text: string) => void): void {
    this.flushPending();
    this.marker = marker;
    this.sink = sink;
    this.onMarker = onMarker;
    this.onText = onText;
  }

  /** Stops routing to the current task (e.g. it was killed); further output goes to the background buffer. */
  end(): void {
    this.flushPending();
    this.marker = undefined;
    this.sink = undefined;
    this.onMarker = undefined;
    this.onText = undefined;
  }

  push(chunk: Buffer | string): void {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (!this.marker) {
      this.background.append(this.pending);
      this.pending = '';
      return;
    }
    const at = this.pending.indexOf(this.marker);
    if (at >= 0) {
      this.deliver(this.pending.slice(0, at));
      const rest = this.pending.slice(at + this.marker.length);
      const onMarker = this.onMarker;
      this.pending = '';
      this.end();
      this.background.append(rest);
      onMarker?.();
      return;
    }
    // Keep a possible partial marker at the end for the next chunk.
    const keep = this.marker.length - 1;
    if (this.pending.length > keep) {
      this.deliver(this.pending.slice(0, this.pending.length - keep));
      this.pending = this.pending.slice(this.pending.length - keep);
    }
  }

  private flushPending(): void {
    if (!this.pending) return;
    if (this.sink) this.deliver(this.pending);
    else this.background.append(this.pending);
    this.pending = '';
  }

  private deliver(text: string): void {
    if (!text) return;
    this.sink?.append(text);
    this.onText?.(text);
  }
}
