/** Money as integer cents, so sums never drift (0.1 + 0.2 is 30 cents, not 0.30000000000000004). */
export function toCents(amount: number): number {
  return Math.round(amount * 100);
}

export function fromCents(cents: number): number {
  return cents / 100;
}

/**
 * Splits a gross amount into net and VAT at `ratePercent` (VAT = gross − gross / (1 + rate)), rounded to the cent
 * so that net + VAT is exactly the gross.
 */
export function splitVat(gross: number, ratePercent: number): { net: number; vat: number } {
  const grossCents = toCents(gross);
  const netCents = Math.round(grossCents / (1 + ratePercent / 100));
  return { net: fromCents(netCents), vat: fromCents(grossCents - netCents) };
}
