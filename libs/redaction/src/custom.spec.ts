import { describe, expect, it } from 'vitest';
import { ValidationError } from '@quire/errors';
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
    // (a+)+$ on 'a' × n + 'b' takes exponential time in a backtracking engine; RE2 answers at once.
    const custom = compileCustomRecognisers({ regexes: [{ pattern: '(a+)+$' }, { pattern: '(x|x)*y' }] });
    const text = `${'a'.repeat(50_000)}b ${'x'.repeat(50_000)}`;
    const started = performance.now();
    expect(recognise(text, { types: ['custom'], custom })).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
