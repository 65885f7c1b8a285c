import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Tenant webhook secrets must be readable again (the dispatcher signs with them), so they cannot be hashed like API
 * keys. They are sealed with AES-256-GCM under a platform key (`QUIRE_WEBHOOK_SECRET_KEY`, 32 bytes, base64 or hex,
 * kept in the deployment's Secret and never in the database): a database dump alone does not reveal them, and a
 * modified ciphertext fails authentication instead of yielding a wrong secret.
 */
const VERSION = 'v1';

export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('the webhook secret key must be 32 bytes (64 hex digits or base64)');
  return key;
}

/** A new tenant secret: 32 random bytes, printed once to the operator (`whsec_` tells it apart from API keys). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function sealSecret(key: Buffer, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ct]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function openSecret(key: Buffer, sealed: string): string {
  const [version, iv, tag, ct] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || ct === undefined) throw new Error('not a sealed webhook secret');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}
