/**
 * @quire/extraction: bank statements and invoices from words with positions (pdf.js text items, OCR word boxes),
 * with no LLM; validation that says what it checked; Factur-X / ZUGFeRD / XRechnung (CII) and UBL XML invoices.
 * Pure functions: no I/O, no engines.
 */
export * from './types';
export {
  buildLines,
  wordsFromPdfjsItems,
  wordsFromPlainText,
  type Cell,
  type Line,
  type PdfjsTextItem,
  type Word,
} from './layout';
export {
  detectNumberFormat,
  parseAmount,
  findAmounts,
  toCents,
  type NumberFormat,
  type ParsedAmount,
} from './money';
export { findDates, inferDayMonthOrder, resolveDate, type DayMonthOrder, type RawDate } from './dates';
export { findIbans, isValidIban, findVatIds, vatIdFormat, normaliseVatId } from './identifiers';
export { detectCurrency } from './currency';
export { extractBankStatement, type StatementOptions } from './statement';
export { extractInvoice, type InvoiceOptions } from './invoice';
export { validateStatement, validateInvoice } from './validate';
export { parseEInvoiceXml, crossCheckInvoices } from './einvoice';
