import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignature } from './signature';
import { generateWebhookSecret, openSecret, parseSecretKey, sealSecret } from './secret-box';
import { nextRetryDelayMs } from './backoff';

describe('Quire-Signature', () => {
  const secret = generateWebhookSecret();
  const body = JSON.stringify({ id: 'j1', status: 'completed' });
  const now = 1_800_000_000;

  it('verifies with the secret, the raw body and a fresh timestamp', () => {
    const header = signatureHeader([secret], body, now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(header, body, secret, { nowSeconds: now + 10 })).toEqual({
      ok: true,
      timestamp: now,
    });
  });

  it('refuses a tampered body, another secret, an old or a future timestamp, and garbage', () => {
    const header = signatureHeader([secret], body, now);
    expect(verifySignature(header, body.replace('completed', 'failed'), secret, { nowSeconds: now })).toEqual(
      {
        ok: false,
        reason: 'mismatch',
      },
    );
    expect(verifySignature(header, body, generateWebhookSecret(), { nowSeconds: now }).ok).toBe(false);
    expect(verifySignature(header, body, secret, { nowSeconds: now + 301 })).toEqual({
      ok: false,
      reason: 'too-old',
    });
    expect(verifySignature(header, body, secret, { nowSeconds: now - 301 })).toEqual({
      ok: false,
      reason: 'in-the-future',
    });
    // A replay with a new timestamp but the old signature does not verify either.
    const replay = header.replace(`t=${now}`, `t=${now + 1000}`);
    expect(verifySignature(replay, body, secret, { nowSeconds: now + 1000 }).ok).toBe(false);
    expect(verifySignature('v1=abc', body, secret).ok).toBe(false);
    expect(verifySignature(undefined, body, secret).ok).toBe(false);
  });

  it('during a rotation signs with both secrets, so either verifies', () => {
    const previous = generateWebhookSecret();
    const header = signatureHeader([secret, previous], body, now);
    expect(header.split(',')).toHaveLength(3);
    expect(verifySignature(header, body, secret, { nowSeconds: now }).ok).toBe(true);
    expect(verifySignature(header, body, previous, { nowSeconds: now }).ok).toBe(true);
  });
});

describe('sealed secrets', () => {
  const key = parseSecretKey('11'.repeat(32));

  it('round-trips, and a modified ciphertext or another key fails instead of yielding a wrong secret', () => {
    const sealed = sealSecret(key, 'whsec_abc');
    expect(sealed).not.toContain('whsec_abc');
    expect(openSecret(key, sealed)).toBe('whsec_abc');
    const parts = sealed.split('.');
    const flipped = [
      ...parts.slice(0, 3),
      parts[3].slice(0, -2) + (parts[3].endsWith('AA') ? 'AB' : 'AA'),
    ].join('.');
    expect(() => openSecret(key, flipped)).toThrow();
    expect(() => openSecret(parseSecretKey('22'.repeat(32)), sealed)).toThrow();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => parseSecretKey('abcd')).toThrow(/32 bytes/);
    expect(parseSecretKey(Buffer.alloc(32, 7).toString('base64'))).toHaveLength(32);
  });
});

describe('retry delay', () => {
  it('doubles per attempt up to the cap, with half of it random', () => {
    const opts = { baseMs: 1_000, maxMs: 60_000 };
    expect(nextRetryDelayMs(1, opts, () => 0)).toBe(500);
    expect(nextRetryDelayMs(1, opts, () => 1)).toBe(1_000);
    expect(nextRetryDelayMs(4, opts, () => 1)).toBe(8_000);
    expect(nextRetryDelayMs(20, opts, () => 1)).toBe(60_000);
    expect(nextRetryDelayMs(20, opts, () => 0)).toBe(30_000);
  });
});
