import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LimitExceededError, ValidationError } from '@quire/errors';
import { compileCustomRecognisers, recognise } from './index';

describe('custom recognisers', () => {
  it('finds literal terms case-insensitively and labelled regexes', () => {
    const custom = compileCustomRecognisers({
      terms: ['Project Falcon', 'a.b*c'],
      regexes: [{ pattern: String.raw`EMP-\d{6}`, label: 'employee id' }],
    });
    const found = recognise('PROJECT FALCON staff EMP-004217 and emp-1; a.b*c is literal, aXbbc is not', {
      types: ['custom'],
      custom,
    });
    expect(found.map((d) => [d.text, d.label ?? null])).toEqual([
      ['PROJECT FALCON', null],
      ['EMP-004217', 'employee id'],
      ['a.b*c', null],
    ]);
  });

  it('applies flags (i) and steps over empty matches without hanging', () => {
    const custom = compileCustomRecognisers({
      regexes: [
        { pattern: 'x*', flags: 'i' },
        { pattern: 'ref\\d+', flags: 'i' },
      ],
    });
    expect(recognise('abc REF12 xX', { types: ['custom'], custom }).map((d) => d.text)).toEqual([
      'REF12',
      'xX',
    ]);
  });

  it('drops allow-listed values whatever their case, spacing or dashes', () => {
    const custom = compileCustomRecognisers({ allow: ['INFO@ACME.COM', '+49 30 1234 5678'] });
    const found = recognise('info@acme.com, +49-30-12345678, jane@acme.com', { custom, region: 'DE' });
    expect(found.map((d) => d.text)).toEqual(['jane@acme.com']);
  });

  it('refuses what RE2 cannot run in linear time, naming the field', () => {
    const refuse = (pattern: string) => () =>
      compileCustomRecognisers({ regexes: [{ pattern: 'ok' }, { pattern: 'fine' }, { pattern }] });
    for (const pattern of ['(?=look)ahead', '(a)\\1', 'a{2000}', '(unclosed', '(?<!x)y']) {
      expect(refuse(pattern)).toThrow(ValidationError);
      expect(refuse(pattern)).toThrow(/^params\.custom\.regexes\[2\]\.pattern: /);
    }
  });

  it('bounds the number and size of recognisers', () => {
    expect(() =>
      compileCustomRecognisers({ regexes: [{ pattern: 'a'.repeat(501) }] }, 'params.custom'),
    ).toThrow(/^params\.custom\.regexes\[0\]\.pattern: /);
    expect(() =>
      compileCustomRecognisers({ regexes: Array.from({ length: 21 }, () => ({ pattern: 'a' })) }),
    ).toThrow(/^params\.custom\.regexes: /);
    expect(() => compileCustomRecognisers({ terms: [''] }, 'tenant.custom')).toThrow(
      /^tenant\.custom\.terms\[0\]: /,
    );
    expect(() => compileCustomRecognisers({ regexes: [{ pattern: 'a', flags: 'gy' }] })).toThrow(
      /^params\.custom\.regexes\[0\]\.flags: /,
    );
  });

  it('runs a pattern that backtracks catastrophically in JavaScript in linear time', () => {
    // (a+)+c on 'a' × n + 'b' takes exponential time in a backtracking engine; RE2 answers at once.
    const custom = compileCustomRecognisers({ regexes: [{ pattern: '(a+)+c' }, { pattern: '(x|x)*y' }] });
    const text = `${'a'.repeat(50_000)}b ${'x'.repeat(50_000)}`;
    const started = performance.now();
    expect(recognise(text, { types: ['custom'], custom })).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('custom matches on long text', () => {
  it('stay fast with many matches (re2-wasm copies its input per call: text is matched line by line)', () => {
    const custom = compileCustomRecognisers({ regexes: [{ pattern: 'a' }] });
    const text = `${'ab'.repeat(200)}\n`.repeat(20); // 4 000 matches in 8 020 characters
    const started = performance.now();
    expect(recognise(text, { types: ['custom'], custom })).toHaveLength(4_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('refuse a pattern that matches thousands of times on a page, naming it', () => {
    const custom = compileCustomRecognisers({ regexes: [{ pattern: 'x' }, { pattern: '.' }] });
    const text = `${'word '.repeat(20)}\n`.repeat(100);
    expect(() => recognise(text, { types: ['custom'], custom })).toThrow(LimitExceededError);
    expect(() => recognise(text, { types: ['custom'], custom })).toThrow(
      /^params\.custom\.regexes\[1\]\.pattern matched more than/,
    );
  });
});

describe('any client pattern', () => {
  it('either compiles and runs in bounded time, or is refused with a ValidationError', () => {
    const alphabet = fc.constantFrom(
      'a',
      'b',
      '(',
      ')',
      '*',
      '+',
      '?',
      '|',
      '\\',
      '[',
      ']',
      '{',
      '}',
      '1',
      ',',
      '^',
      '$',
      '.',
      '=',
      '<',
      '!',
    );
    const text = `${'ab '.repeat(30)}aaaa\n`.repeat(40);
    fc.assert(
      fc.property(fc.string({ unit: alphabet, minLength: 1, maxLength: 30 }), (pattern) => {
        let custom;
        try {
          custom = compileCustomRecognisers({ regexes: [{ pattern }] });
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError);
          return;
        }
        const started = performance.now();
        try {
          recognise(text, { types: ['custom'], custom });
        } catch (err) {
          expect(err).toBeInstanceOf(LimitExceededError);
        }
        expect(performance.now() - started).toBeLessThan(1_500);
      }),
      { numRuns: 200 },
    );
  });
});
