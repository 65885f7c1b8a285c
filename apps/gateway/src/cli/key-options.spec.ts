import { describe, expect, it } from 'vitest';
import { parseExpiry, parseRole } from './key-options';

describe('api-key command line options', () => {
  it('roles: --role, --admin as its shorthand, user by default, nothing else', () => {
    expect(parseRole(undefined, false)).toBe('user');
    expect(parseRole(undefined, true)).toBe('admin');
    expect(parseRole('operator', false)).toBe('operator');
    expect(() => parseRole('root', false)).toThrow(/--role must be one of user, admin, operator/);
    expect(() => parseRole('operator', true)).toThrow(/contradicts/);
  });

  it('expiry: none, a duration from now, or a zoned ISO time in the future', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(parseExpiry({}, now)).toBeNull();
    expect(parseExpiry({ expiresIn: '90d' }, now)?.toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(parseExpiry({ expiresIn: '12h' }, now)?.toISOString()).toBe('2026-01-01T12:00:00.000Z');
    expect(parseExpiry({ expiresIn: '30m' }, now)?.toISOString()).toBe('2026-01-01T00:30:00.000Z');
    expect(parseExpiry({ expiresAt: '2026-02-01T10:00:00+01:00' }, now)?.toISOString()).toBe(
      '2026-02-01T09:00:00.000Z',
    );
    expect(() => parseExpiry({ expiresIn: '3 weeks' }, now)).toThrow(/30m, 12h or 90d/);
    expect(() => parseExpiry({ expiresAt: '2026-02-01' }, now)).toThrow(/with a zone/);
    expect(() => parseExpiry({ expiresAt: '2025-12-31T00:00:00Z' }, now)).toThrow(/in the future/);
    expect(() => parseExpiry({ expiresIn: '0m' }, now)).toThrow(/in the future/);
    expect(() => parseExpiry({ expiresIn: '1d', expiresAt: '2026-02-01T00:00:00Z' }, now)).toThrow(
      /not both/,
    );
  });
});
