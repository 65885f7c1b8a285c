/**
 * Structured invoices: the XML a Factur-X / ZUGFeRD PDF carries (UN/CEFACT Cross Industry Invoice,
 * rsm:CrossIndustryInvoice; XRechnung in its CII syntax) and UBL 2.1 Invoice / CreditNote (XRechnung's UBL syntax,
 * Peppol) → the same {@link Invoice} shape as the layout extractor, and a field-by-field cross-check of the two.
 *
 * Parsed with fast-xml-parser: pure JavaScript (no native build, no external entity or DTD fetching, limits on
 * entity expansion), actively maintained, and namespace prefixes can be dropped so ram:/rsm:/cbc:/cac: spellings
 * of any producer read alike. Values stay strings (parseTagValue: false) so ids keep their leading zeros and
 * amounts go to integer cents without passing through floats.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ValidationError } from '@quire/errors';
import { normaliseIban } from './identifiers';
import { normaliseVatId } from './identifiers';
import { centsToNumber, formatCents, toCents } from './money';
import { fold } from './text';
import { LEGAL_FORM } from './invoice-labels';
import type { Check, Invoice, InvoiceLine, InvoiceTax, Validation } from './types';

/** Larger than any real e-invoice (they are tens of kilobytes); bigger input is refused before parsing. */
const MAX_XML_BYTES = 20 * 1024 * 1024;

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

function asArray(value: unknown): Node[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter(
    (v): v is Node => typeof v === 'object' && v !== null,
  );
}

function child(node: unknown, ...path: string[]): unknown {
  let current: unknown = node;
  for (const key of path) {
    if (Array.isArray(current)) current = current[0];
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Node)[key];
  }
  return Array.isArray(current) ? current[0] : current;
}

function text(node: unknown): string | null {
  if (typeof node === 'string') return node.trim() === '' ? null : node.trim();
  if (typeof node === 'number') return String(node);
  if (typeof node === 'object' && node !== null && '#text' in node) return text((node as Node)['#text']);
  return null;
}

function attribute(node: unknown, name: string): string | null {
  return typeof node === 'object' && node !== null ? text((node as Node)[`@${name}`]) : null;
}

function money(node: unknown): number | null {
  const t = text(node);
  const c = t === null ? null : toCents(t);
  return c === null ? null : centsToNumber(c);
}

function decimal(node: unknown): number | null {
  const t = text(node);
  if (t === null || !/^[-+]?\d+(?:\.\d+)?$/.test(t)) return null;
  return Number(t);
}

/** CII dates: format 102 is YYYYMMDD; ISO dates (UBL, some CII producers) pass through. */
function ciiDate(node: unknown): string | null {
  const t = text(node);
  if (t === null) return null;
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  if (compact) return `${compact[1]}-${compact[2]}-${compact[3]}`;
  const iso = /^(\d{4}-\d{2}-\d{2})/.exec(t);
  return iso ? iso[1] : null;
}

/** An amount in the invoice currency when the element is repeated per currency (TaxTotalAmount). */
function amountInCurrency(nodes: unknown, currency: string | null): number | null {
  const list = Array.isArray(nodes) ? (nodes as unknown[]) : nodes === undefined ? [] : [nodes];
  const match = list.find((n) => currency === null || attribute(n, 'currencyID') === currency) ?? list[0];
  return money(match);
}

function emptyInvoice(): Invoice {
  return {
    issuer: null,
    issuerVatId: null,
    invoiceNumber: null,
    issueDate: null,
    dueDate: null,
    currency: null,
    subtotal: null,
    tax: null,
    total: null,
    iban: null,
    lines: [],
    taxes: [],
    method: 'xml',
    warnings: [],
  };
}

function fromCii(root: Node): Invoice {
  const inv = emptyInvoice();
  inv.invoiceNumber = text(child(root, 'ExchangedDocument', 'ID'));
  inv.issueDate = ciiDate(child(root, 'ExchangedDocument', 'IssueDateTime', 'DateTimeString'));
  const transaction = child(root, 'SupplyChainTradeTransaction');
  const seller = child(transaction, 'ApplicableHeaderTradeAgreement', 'SellerTradeParty');
  inv.issuer = text(child(seller, 'Name'));
  const registrations = asArray((seller as Node | undefined)?.SpecifiedTaxRegistration);
  const vat = registrations.find((r) => attribute(child(r, 'ID'), 'schemeID') === 'VA') ?? null;
  inv.issuerVatId = vat ? text(child(vat, 'ID')) : null;

  const settlement = child(transaction, 'ApplicableHeaderTradeSettlement') as Node | undefined;
  inv.currency = text(child(settlement, 'InvoiceCurrencyCode'));
  inv.iban =
    asArray(settlement?.SpecifiedTradeSettlementPaymentMeans)
      .map((pm) => text(child(pm, 'PayeePartyCreditorFinancialAccount', 'IBANID')))
      .find((v): v is string => v !== null) ?? null;
  inv.dueDate =
    asArray(settlement?.SpecifiedTradePaymentTerms)
      .map((t) => ciiDate(child(t, 'DueDateDateTime', 'DateTimeString')))
      .find((v): v is string => v !== null) ?? null;
  inv.taxes = asArray(settlement?.ApplicableTradeTax).map((t): InvoiceTax => ({
    rate: decimal(child(t, 'RateApplicablePercent')),
    base: money(child(t, 'BasisAmount')),
    amount: money(child(t, 'CalculatedAmount')) ?? 0,
  }));
  const summation = child(settlement, 'SpecifiedTradeSettlementHeaderMonetarySummation') as Node | undefined;
  inv.subtotal = money(child(summation, 'TaxBasisTotalAmount')) ?? money(child(summation, 'LineTotalAmount'));
  inv.tax = amountInCurrency(summation?.TaxTotalAmount, inv.currency);
  inv.total = money(child(summation, 'GrandTotalAmount')) ?? money(child(summation, 'DuePayableAmount'));

  inv.lines = asArray((transaction as Node | undefined)?.IncludedSupplyChainTradeLineItem).map(
    (item): InvoiceLine => ({
      description: text(child(item, 'SpecifiedTradeProduct', 'Name')) ?? '',
      quantity: decimal(child(item, 'SpecifiedLineTradeDelivery', 'BilledQuantity')),
      unitPrice:
        decimal(child(item, 'SpecifiedLineTradeAgreement', 'NetPriceProductTradePrice', 'ChargeAmount')) ??
        decimal(child(item, 'SpecifiedLineTradeAgreement', 'GrossPriceProductTradePrice', 'ChargeAmount')),
      amount: money(
        child(
          item,
          'SpecifiedLineTradeSettlement',
          'SpecifiedTradeSettlementLineMonetarySummation',
          'LineTotalAmount',
        ),
      ),
    }),
  );
  return inv;
}

function fromUbl(root: Node, lineElement: 'InvoiceLine' | 'CreditNoteLine'): Invoice {
  const inv = emptyInvoice();
  inv.invoiceNumber = text(child(root, 'ID'));
  inv.issueDate = ciiDate(child(root, 'IssueDate'));
  inv.currency = text(child(root, 'DocumentCurrencyCode'));
  const paymentMeans = asArray(root.PaymentMeans);
  inv.dueDate =
    ciiDate(child(root, 'DueDate')) ??
    paymentMeans.map((pm) => ciiDate(child(pm, 'PaymentDueDate'))).find((v): v is string => v !== null) ??
    null;
  const party = child(root, 'AccountingSupplierParty', 'Party') as Node | undefined;
  inv.issuer =
    text(child(party, 'PartyLegalEntity', 'RegistrationName')) ?? text(child(party, 'PartyName', 'Name'));
  const schemes = asArray(party?.PartyTaxScheme);
  const vat = schemes.find((s) => text(child(s, 'TaxScheme', 'ID')) === 'VAT') ?? schemes[0];
  inv.issuerVatId = vat ? text(child(vat, 'CompanyID')) : null;
  inv.iban =
    paymentMeans
      .map((pm) => text(child(pm, 'PayeeFinancialAccount', 'ID')))
      .find((v): v is string => v !== null) ?? null;
  const taxTotals = asArray(root.TaxTotal);
  const taxTotal =
    taxTotals.find(
      (t) => inv.currency === null || attribute(child(t, 'TaxAmount'), 'currencyID') === inv.currency,
    ) ?? taxTotals[0];
  inv.tax = taxTotal ? money(child(taxTotal, 'TaxAmount')) : null;
  inv.taxes = asArray(taxTotal?.TaxSubtotal).map((st): InvoiceTax => ({
    rate: decimal(child(st, 'TaxCategory', 'Percent')),
    base: money(child(st, 'TaxableAmount')),
    amount: money(child(st, 'TaxAmount')) ?? 0,
  }));
  const totals = child(root, 'LegalMonetaryTotal');
  inv.subtotal = money(child(totals, 'TaxExclusiveAmount')) ?? money(child(totals, 'LineExtensionAmount'));
  inv.total = money(child(totals, 'TaxInclusiveAmount')) ?? money(child(totals, 'PayableAmount'));
  inv.lines = asArray(root[lineElement]).map((line): InvoiceLine => ({
    description: text(child(line, 'Item', 'Name')) ?? text(child(line, 'Item', 'Description')) ?? '',
    quantity: decimal(child(line, lineElement === 'InvoiceLine' ? 'InvoicedQuantity' : 'CreditedQuantity')),
    unitPrice: decimal(child(line, 'Price', 'PriceAmount')),
    amount: money(child(line, 'LineExtensionAmount')),
  }));
  return inv;
}

/**
 * Parses a CII (Factur-X, ZUGFeRD, XRechnung-CII) or UBL (Invoice, CreditNote) XML document. Throws a
 * ValidationError for input that is too large, not well-formed, or neither syntax.
 */
export function parseEInvoiceXml(xml: string | Uint8Array): Invoice {
  const source = typeof xml === 'string' ? xml : new TextDecoder('utf-8').decode(xml);
  if (source.length > MAX_XML_BYTES) {
    throw new ValidationError(`e-invoice XML is larger than ${MAX_XML_BYTES / 1024 / 1024} MB`, {
      details: { field: 'xml' },
    });
  }
  const wellFormed = XMLValidator.validate(source);
  if (wellFormed !== true) {
    throw new ValidationError(
      `e-invoice XML is not well-formed: ${wellFormed.err.msg} (line ${wellFormed.err.line})`,
      {
        details: { field: 'xml' },
      },
    );
  }
  const doc = parser.parse(source) as Node;
  const cii = doc.CrossIndustryInvoice;
  if (typeof cii === 'object' && cii !== null) return fromCii(cii as Node);
  for (const [rootName, lineElement] of [
    ['Invoice', 'InvoiceLine'],
    ['CreditNote', 'CreditNoteLine'],
  ] as const) {
    const root = doc[rootName];
    if (typeof root === 'object' && root !== null) return fromUbl(root as Node, lineElement);
  }
  throw new ValidationError(
    'not an e-invoice: the root element is neither rsm:CrossIndustryInvoice (CII) nor a UBL Invoice / CreditNote',
    { details: { field: 'xml' } },
  );
}

// ---- cross-check ----

function companyKey(name: string): string {
  let f = fold(name);
  for (let m = LEGAL_FORM.exec(f); m; m = LEGAL_FORM.exec(f))
    f = f.slice(0, m.index) + f.slice(m.index + m[0].length);
  return f.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

const identifierKey = (s: string) => s.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
const vatKey = (s: string) => normaliseVatId(s).replace(/^[A-Z]{2}(?=\d)/, '');

/**
 * Compares the embedded XML with what the printed page says, field by field. A field missing on either side is
 * listed as skipped; a disagreement fails with both values, so a tampered or stale attachment is visible.
 */
export function crossCheckInvoices(xml: Invoice, printed: Invoice): Validation {
  const checks: Check[] = [];
  const compare = <T>(
    field: keyof Invoice,
    a: T | null,
    b: T | null,
    same: (x: T, y: T) => boolean,
    show: (v: T) => string = String,
  ) => {
    const name = `xml-matches-text:${field}`;
    if (a === null || b === null) {
      checks.push({
        name,
        passed: true,
        skipped: true,
        detail: a === null ? 'not in the XML' : 'not found in the printed text',
      });
      return;
    }
    const ok = same(a, b);
    checks.push({ name, passed: ok, detail: ok ? `both ${show(a)}` : `XML ${show(a)}, printed ${show(b)}` });
  };
  const amount = (x: number, y: number) => toCents(x) === toCents(y);
  const showAmount = (v: number) => formatCents(toCents(v) ?? 0);
  compare(
    'invoiceNumber',
    xml.invoiceNumber,
    printed.invoiceNumber,
    (x, y) => identifierKey(x) === identifierKey(y),
  );
  compare('issueDate', xml.issueDate, printed.issueDate, (x, y) => x === y);
  compare('dueDate', xml.dueDate, printed.dueDate, (x, y) => x === y);
  compare('currency', xml.currency, printed.currency, (x, y) => x.toUpperCase() === y.toUpperCase());
  compare('subtotal', xml.subtotal, printed.subtotal, amount, showAmount);
  compare('tax', xml.tax, printed.tax, amount, showAmount);
  compare('total', xml.total, printed.total, amount, showAmount);
  compare('iban', xml.iban, printed.iban, (x, y) => normaliseIban(x) === normaliseIban(y));
  compare('issuerVatId', xml.issuerVatId, printed.issuerVatId, (x, y) => vatKey(x) === vatKey(y));
  compare('issuer', xml.issuer, printed.issuer, (x, y) => {
    const [a, b] = [companyKey(x), companyKey(y)];
    return a !== '' && b !== '' && (a.includes(b) || b.includes(a));
  });
  return { passed: checks.every((c) => c.passed), checks };
}
