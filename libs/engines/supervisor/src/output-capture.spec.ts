import { describe, expect, it } from 'vitest';
import { BoundedText, StreamCollector } from './output-capture';

describe('StreamCollector', () => {
  it('splits output at a marker that arrives cut across chunks', () => {
    const collector = new StreamCollector();
    const sink = new BoundedText(100, 100);
    let ended = 0;
    collector.push('before any task\n');
    collector.begin('<<END>>', sink, () => ended++);
    for (const chunk of ['task ', 'output<<E', 'ND>>', 'late']) collector.push(chunk);
    expect(sink.toString()).toBe('task output');
    expect(ended).toBe(1);
    expect(collector.background.toString()).toBe('before any task\nlate');
  });

  it('does not split a multi-byte character across chunks', () => {
    const collector = new StreamCollector();
    const sink = new BoundedText(100, 100);
    collector.begin('#', sink, () => undefined);
    const bytes = Buffer.from('café#');
    collector.push(bytes.subarray(0, 4));
    collector.push(bytes.subarray(4));
    expect(sink.toString()).toBe('café');
  });
});

describe('BoundedText', () => {
  it('keeps head and tail and says what it dropped', () => {
    const text = new BoundedText(5, 5);
    text.append('0123456789');
    text.append('abcdefghij');
    expect(text.toString()).toBe('01234\n[… 10 characters omitted …]\nfghij');
  });
});
