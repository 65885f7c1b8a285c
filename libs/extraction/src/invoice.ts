/**
 * Invoices from words with positions, no LLM. Keyword-and-position rules:
 * - a field's value is after its label in the same cell, in the next cells of the line, or in the cell under the
 *   label (forms that print a row of labels over a row of values);
 * - amounts are collected as candidates for net, tax and gross (specific labels score higher than a plain
 *   "Total", a summary table's columns lower still) and the combination where net + tax = gross wins, so a section
 *   subtotal or a "subtotal incl. VAT" does not win by coming first;
 * - IBANs must pass mod-97, VAT ids must have their country's format, the issuer is a labelled seller or payee,
 *   else a company name (legal form) outside the customer's block, else the most prominent line on top.
 */
import { assignColumn, headerColumns, vocabulary, type Column } from './columns';
import { detectCurrency } from './currency';
import { findDates, inferDayMonthOrder, resolveDate, type DayMonthOrder } from './dates';
import { findIbans, findVatIds, normaliseVatId } from './identifiers';
import {
  BARE_DATE,
  CUSTOMER,
  YOUR,
  DOCUMENT_REFERENCE,
  DUE_DATE,
  GENERIC_TOTAL,
  GROSS,
  INVOICE_NUMBER,
  INVOICE_TITLE_ONLY,
  INVOICE_TITLE_PREFIX,
  ISSUE_DATE,
  LEGAL_FORM,
  NET,
  NOT_TAX_AMOUNT,
  PAYEE,
  SELLER,
  TAX,
  TAX_TOTAL,
  TITLE_WORDS,
  VAT_ID,
} from './invoice-labels';
import { buildLines, type Cell, type Line, type Word } from './layout';
import { centsToNumber, detectNumberFormat, findAmounts, parseAmount, type NumberFormat } from './money';
import { fold, foldKeepLength, squash } from './text';
import type { Invoice, InvoiceLine, InvoiceTax } from './types';

export interface InvoiceOptions {
  dayMonthOrder?: DayMonthOrder;
}

type AmountField = 'net' | 'tax' | 'gross';

interface AmountCandidate {
  field: AmountField;
  cents: number;
  score: number;
  rate: number | null;
  base: number | null;
  line: number;
}

const ALL_LABELS = [
  INVOICE_NUMBER,
  ISSUE_DATE,
  DUE_DATE,
  TAX_TOTAL,
  NET,
  GROSS,
  GENERIC_TOTAL,
  TAX,
  VAT_ID,
  SELLER,
  CUSTOMER,
];

function isLabelCell(cell: Cell): boolean {
  const f = fold(cell.text);
  return ALL_LABELS.some((re) => re.test(f)) || INVOICE_TITLE_ONLY.test(f) || BARE_DATE.test(f);
}

/** Where a label was found and what follows it. */
interface LabelHit {
  line: Line;
  cellIndex: number;
  /** Text after the label in the same cell. */
  rest: string;
}

function findLabel(lines: readonly Line[], label: RegExp, wholeCell = false): LabelHit[] {
  const hits: LabelHit[] = [];
  for (const line of lines) {
    line.cells.forEach((cell, cellIndex) => {
      const folded = foldKeepLength(cell.text);
      if (wholeCell) {
        if (label.test(squash(folded))) hits.push({ line, cellIndex, rest: '' });
        return;
      }
      const m = label.exec(folded);
      if (m) hits.push({ line, cellIndex, rest: cell.text.slice(m.index + m[0].length) });
    });
  }
  return hits;
}

/** The cells right of the label up to the next label. */
function cellsAfter(hit: LabelHit): Cell[] {
  const out: Cell[] = [];
  for (const cell of hit.line.cells.slice(hit.cellIndex + 1)) {
    if (isLabelCell(cell)) break;
    out.push(cell);
  }
  return out;
}

/** The cell printed under the label (a row of labels over a row of values). */
function cellBelow(lines: readonly Line[], hit: LabelHit): Cell | null {
  const label = hit.line.cells[hit.cellIndex];
  for (const line of lines.slice(hit.line.index + 1, hit.line.index + 3)) {
    if (line.page !== hit.line.page || line.top - hit.line.bottom > 2.5 * hit.line.height) break;
    let best: Cell | null = null;
    let bestOverlap = 0;
    for (const cell of line.cells) {
      const o = Math.min(cell.x1, label.x1) - Math.max(cell.x0, label.x0);
      if (o > bestOverlap) {
        best = cell;
        bestOverlap = o;
      }
    }
    if (best) return best;
  }
  return null;
}

/** First value for a label: same cell, then cells to the right, then the cell below. */
function valueAfter<T>(lines: readonly Line[], hit: LabelHit, parse: (text: string) => T | null): T | null {
  const inCell = parse(hit.rest);
  if (inCell !== null) return inCell;
  for (const cell of cellsAfter(hit)) {
    const v = parse(cell.text);
    if (v !== null) return v;
  }
  const below = cellBelow(lines, hit);
  return below && !isLabelCell(below) ? parse(below.text) : null;
}

/** An invoice number: the first token with a digit, without the decoration around it ("# 123", "No. 123"). */
function parseIdentifier(text: string): string | null {
  const cleaned = text
    .replace(/^[\s:#.°º\-–]+/, '')
    .replace(/^(?:no|nr|n°|nº|number|nummer|numero)\.?\s*[:#]?\s*/i, '');
  for (const token of cleaned.split(/\s+/).slice(0, 4)) {
    const t = token.replace(/^[#:]+/, '').replace(/[,;:.)]+$/, '');
    if (t.length < 3 || !/\d/.test(t) || !/^[A-Za-z0-9][A-Za-z0-9/_\-.]*$/.test(t)) continue;
    if (findDates(t).some((d) => d.start === 0 && d.end === t.length)) continue;
    return t;
  }
  return null;
}

function firstDate(order: DayMonthOrder) {
  return (text: string): string | null => {
    const raw = findDates(text)[0];
    return raw ? resolveDate(raw, order) : null;
  };
}

/** Percent in a label: "VAT 20%", "MwSt. 19 %", "TVA (5,5 %)". */
function rateIn(text: string): number | null {
  const m = /(?<![\d.,])(\d{1,2}(?:[.,]\d{1,3})?)\s*%/.exec(text);
  return m ? Number(m[1].replace(',', '.')) : null;
}

function amountsInSegment(hit: LabelHit, format: NumberFormat): number[] {
  const amounts = findAmounts(hit.rest, format, { allowInteger: false }).map((a) => a.cents);
  for (const cell of cellsAfter(hit)) {
    const whole = parseAmount(cell.text, format, { allowInteger: true });
    if (whole) amounts.push(whole.cents);
    else amounts.push(...findAmounts(cell.text, format).map((a) => a.cents));
  }
  return amounts;
}

/** Which amount a label names, most specific first. */
function amountField(folded: string): { field: AmountField; score: number } | null {
  if (TAX_TOTAL.test(folded)) return { field: 'tax', score: 3 };
  if (NET.test(folded)) return { field: 'net', score: 3 };
  if (GROSS.test(folded)) return { field: 'gross', score: 3 };
  if (TAX.test(folded) && !NOT_TAX_AMOUNT.test(folded)) return { field: 'tax', score: 3 };
  if (GENERIC_TOTAL.test(folded)) return { field: 'gross', score: 2 };
  return null;
}

function collectAmountCandidates(lines: readonly Line[], format: NumberFormat): AmountCandidate[] {
  const out: AmountCandidate[] = [];
  for (const line of lines) {
    line.cells.forEach((cell, cellIndex) => {
      const folded = fold(cell.text);
      const kind = amountField(folded);
      if (!kind) return;
      const label = foldKeepLength(cell.text);
      const re = [TAX_TOTAL, NET, GROSS, TAX, GENERIC_TOTAL].find((r) => r.test(label))!;
      const match = re.exec(label)!;
      const hit: LabelHit = { line, cellIndex, rest: cell.text.slice(match.index + match[0].length) };
      const amounts = amountsInSegment(hit, format);
      if (amounts.length === 0) return;
      const value = amounts[amounts.length - 1];
      out.push({
        field: kind.field,
        cents: value,
        score: kind.score,
        rate: kind.field === 'tax' ? rateIn(cell.text) : null,
        base: kind.field === 'tax' && amounts.length >= 2 ? amounts[amounts.length - 2] : null,
        line: line.index,
      });
    });
  }
  return [...out, ...summaryTableCandidates(lines, format)];
}

/**
 * Summary tables: a row of amount labels (net / tax / gross columns) over rows of values; the totals row (or the
 * last row) gives one candidate per column.
 */
function summaryTableCandidates(lines: readonly Line[], format: NumberFormat): AmountCandidate[] {
  const out: AmountCandidate[] = [];
  lines.forEach((line, i) => {
    if (line.cells.some((c) => parseAmount(c.text, format) !== null)) return;
    const columns: Column<AmountField>[] = [];
    for (const cell of line.cells) {
      const kind = amountField(fold(cell.text));
      // "Tax (%)", "BTW %": the rate column, not an amount.
      if (kind && !cell.text.includes('%'))
        columns.push({ kind: kind.field, x0: cell.x0, x1: cell.x1, label: cell.text });
    }
    if (new Set(columns.map((c) => c.kind)).size < 2) return;
    const rows: Line[] = [];
    for (const next of lines.slice(i + 1, i + 12)) {
      if (next.page !== line.page) break;
      const hasAmount = next.cells.some((c) => parseAmount(c.text, format, { allowInteger: false }) !== null);
      if (!hasAmount) {
        if (rows.length > 0) break;
        continue;
      }
      rows.push(next);
    }
    if (rows.length === 0) return;
    const totals = rows.find((r) => GENERIC_TOTAL.test(fold(r.cells[0]?.text ?? '')));
    const row = totals ?? rows[rows.length - 1];
    for (const cell of row.cells) {
      const amount = parseAmount(cell.text, format, { allowInteger: true });
      if (!amount) continue;
      // Under its header (overlap), never just near it: a price column left of the tax column is not tax.
      const column = assignColumn(cell, columns, { nearest: false });
      if (column) {
        out.push({
          field: column.kind,
          cents: amount.cents,
          score: totals ? 2 : 1,
          rate: null,
          base: null,
          line: row.index,
        });
      }
    }
  });
  return out;
}

/** The best net/tax/gross combination: label scores, plus a bonus when net + tax = gross to the cent. */
function chooseTotals(candidates: readonly AmountCandidate[]): {
  net: AmountCandidate | null;
  tax: AmountCandidate | null;
  gross: AmountCandidate | null;
} {
  const of = (field: AmountField) => [null, ...candidates.filter((c) => c.field === field)];
  let best = {
    net: null as AmountCandidate | null,
    tax: null as AmountCandidate | null,
    gross: null as AmountCandidate | null,
  };
  let bestScore = -1;
  for (const gross of of('gross')) {
    for (const net of of('net')) {
      for (const tax of of('tax')) {
        let score = (gross?.score ?? 0) + (net?.score ?? 0) + (tax?.score ?? 0);
        if (gross && net && tax && net.cents + tax.cents === gross.cents) score += 6;
        else if (gross && net && !tax && net.cents === gross.cents) score += 1;
        else if (gross && net && tax) score -= 4;
        // Totals are printed last and are the largest: prefer later and larger at equal scores.
        const tie = (gross ? gross.cents / 1e12 + gross.line / 1e6 : 0) + (net ? net.line / 1e7 : 0);
        if (score + tie > bestScore) {
          bestScore = score + tie;
          best = { net, tax, gross };
        }
      }
    }
  }
  return best;
}

/** Taxes per rate printed on separate lines ("MwSt 7 %" and "MwSt 19 %"): their sum is a tax candidate too. */
function taxPerRate(candidates: readonly AmountCandidate[]): AmountCandidate[] {
  const byRate = new Map<number, AmountCandidate>();
  for (const c of candidates)
    if (c.field === 'tax' && c.rate !== null && !byRate.has(c.rate)) byRate.set(c.rate, c);
  if (byRate.size < 2) return [];
  const all = [...byRate.values()];
  return [
    {
      field: 'tax',
      cents: all.reduce((s, c) => s + c.cents, 0),
      score: 3,
      rate: null,
      base: null,
      line: Math.max(...all.map((c) => c.line)),
    },
  ];
}

// ---- issuer, VAT id, IBAN ----

/** Lines in a customer's address block: the label's line and the few lines under it in the same column. */
function customerLines(lines: readonly Line[]): Set<number> {
  const out = new Set<number>();
  for (const line of lines) {
    line.cells.forEach((cell) => {
      if (!CUSTOMER.test(fold(cell.text))) return;
      out.add(line.index);
      // "Your VAT number: …", "Ihre Kundennummer …": a field about the customer on its own line, not the heading
      // of an address block, so the lines under it (often the issuer's footer) are not the customer's.
      if (YOUR.test(fold(cell.text))) return;
      for (const next of lines.slice(line.index + 1, line.index + 7)) {
        if (next.page !== line.page || next.top - line.bottom > 8 * line.height) break;
        if (
          next.cells.some((c) => c.x0 < cell.x1 + 40 && c.x1 > cell.x0 - 5 && Math.abs(c.x0 - cell.x0) < 60)
        ) {
          out.add(next.index);
        }
      }
    });
  }
  return out;
}

function companyName(text: string): string | null {
  const m = LEGAL_FORM.exec(text);
  if (!m) return null;
  let end = m.index + m[0].length;
  // A second legal form right after the first belongs to the name: "Summit Supply Co., Inc.", "Muster GmbH & Co. KG".
  const more = /^,?\s+/.exec(text.slice(end));
  const second = more ? LEGAL_FORM.exec(text.slice(end)) : null;
  if (more && second && second.index === more[0].length) end += second.index + second[0].length;
  const before = text.slice(0, end);
  // "QualityHosting AG - Uferweg 40-42" → the part before the address; "Free SAS au capital de" → "Free SAS".
  const name = before
    .split(/\s[-–|•]\s|:\s/)
    .pop()!
    .trim()
    .replace(/^[^\p{L}\p{N}]+/u, '');
  if (!/\p{L}{2}/u.test(name.slice(0, Math.max(0, name.length - m[0].length))) || name.length > 60)
    return null;
  return name.replace(/[,;]$/, '');
}

/** Company details printed with a name (address block, letterhead, footer): the mark of the issuer's block. */
const COMPANY_DETAILS =
  /(?:\btel\b|phone|fax|e-?mail|@|www\.|https?:|\biban\b|\bbic\b|swift|\bvat\b|ust|\bbtw\b|\btva\b|\bkvk\b|handelsregister|registergericht|\bhrb\b|siret|siren|\brcs\b|company (?:no|number)|reg(?:istration)?\.? no|capital)/;

/** Text of the lines printed under `line` in the same column (an address block). */
function blockBelow(lines: readonly Line[], line: Line, cell: Cell): string {
  const parts: string[] = [];
  let bottom = line.bottom;
  for (const next of lines.slice(line.index + 1, line.index + 8)) {
    if (next.page !== line.page || next.top - bottom > 2 * line.height) break;
    const inColumn = next.cells.filter((c) => Math.abs(c.x0 - cell.x0) < 30);
    if (inColumn.length === 0) continue;
    parts.push(...inColumn.map((c) => c.text));
    bottom = next.bottom;
  }
  return parts.join(' ');
}

function plausibleName(text: string): string | null {
  const s = squash(text.replace(/^[\s:\-–]+/, ''));
  if (!/\p{L}{2}/u.test(s) || /^\(/.test(s) || s.length > 80) return null;
  return companyName(s) ?? s.split(/\s{2,}|,\s/)[0];
}

function findIssuer(
  lines: readonly Line[],
  customer: ReadonlySet<number>,
  invoiceNumber: string | null,
): string | null {
  // A labelled seller or payee: the value after the label, or the first name in the lines under it.
  for (const label of [SELLER, PAYEE]) {
    for (const hit of findLabel(lines, label)) {
      const direct = valueAfter(lines, hit, plausibleName);
      const labelCell = hit.line.cells[hit.cellIndex];
      const under = lines
        .slice(hit.line.index + 1, hit.line.index + 4)
        .filter((l) => l.page === hit.line.page)
        .flatMap((l) => l.cells.filter((c) => Math.abs(c.x0 - labelCell.x0) < 30))
        .map((c) => c.text);
      const company = [hit.rest, ...under].map((t) => companyName(t)).find((n) => n !== null);
      const value = company ?? direct;
      if (value) return value.replace(/[,;:]$/, '');
    }
  }
  // A company name (legal form) outside the customer's block; the issuer's comes with company details (phone,
  // bank, VAT, register) and is often printed more than once (letterhead, sender line, footer).
  const candidates = new Map<string, { name: string; score: number }>();
  for (const line of lines) {
    if (customer.has(line.index)) continue;
    for (const cell of line.cells) {
      const name = companyName(cell.text);
      if (!name) continue;
      const key = fold(name);
      const details = COMPANY_DETAILS.test(fold(`${cell.text} ${blockBelow(lines, line, cell)}`)) ? 3 : 0;
      const score = details + (line.page === lines[0]?.page && line.index < 10 ? 1 : 0);
      const seen = candidates.get(key);
      if (seen) seen.score += 1 + details;
      else candidates.set(key, { name, score });
    }
  }
  if (candidates.size > 0) return [...candidates.values()].sort((a, b) => b.score - a.score)[0].name;
  // The most prominent text at the top of the first page that is not a title, a label or an address; a name that
  // the document's own web or e-mail domain spells out wins ("Azure Interior" and azure-interior.com).
  const domains = lines
    .flatMap((l) => [...l.text.matchAll(/(?:www\.|https?:\/\/|@)([\p{L}\p{N}.-]+)/gu)].map((m) => m[1]))
    .map((d) => fold(d).replace(/[^a-z0-9]/g, ''));
  // Only what is printed above the line-item table: the rows of the table name no one.
  const firstPage = lines.filter((l) => l.page === lines[0]?.page);
  const tableAt = firstPage.findIndex((l) => headerColumns(l, LINE_HEADERS).length >= 2);
  const top = firstPage.slice(0, tableAt >= 0 ? Math.min(8, tableAt) : 8);
  let best: { text: string; score: number } | null = null;
  for (const line of top) {
    if (customer.has(line.index)) continue;
    for (const cell of line.cells) {
      const f = fold(cell.text);
      if (!/\p{L}{3}/u.test(cell.text) || TITLE_WORDS.test(f) || /\d{2}/.test(cell.text) || isLabelCell(cell))
        continue;
      if (/@|www\.|https?:|^#/.test(cell.text) || (invoiceNumber && cell.text.includes(invoiceNumber)))
        continue;
      const key = f.replace(/[^a-z0-9]/g, '');
      const inDomain = key.length >= 4 && domains.some((d) => d.includes(key));
      const score = cell.height + (inDomain ? 100 : 0);
      if (!best || score > best.score + 0.5) best = { text: squash(cell.text), score };
    }
  }
  return best?.text ?? null;
}

function findIssuerVatId(lines: readonly Line[], customer: ReadonlySet<number>): string | null {
  for (const hit of findLabel(lines, VAT_ID)) {
    if (customer.has(hit.line.index)) continue;
    const labelText = fold(hit.line.cells[hit.cellIndex].text);
    if (CUSTOMER.test(labelText)) continue;
    const v = valueAfter(lines, hit, (t) => {
      const prefixed = findVatIds(t)[0];
      if (prefixed) return prefixed.id;
      const bare = /^[\s:.#]*([A-Z]{0,2}\s?\d[\d\s.\-/]{6,16}\d)(?![\d])/.exec(t);
      return bare ? normaliseVatId(bare[1]) : null;
    });
    if (v) return v;
  }
  for (const line of lines) {
    if (customer.has(line.index) || CUSTOMER.test(fold(line.text))) continue;
    const found = findVatIds(line.text)[0];
    if (found) return found.id;
  }
  return null;
}

// ---- line items ----

type LineColumn = 'description' | 'quantity' | 'unitPrice' | 'amount' | 'other';

const LINE_HEADERS = vocabulary<LineColumn>(
  {
    description: [
      'description',
      'item',
      'items',
      'item description',
      'article',
      'artikel',
      'product',
      'produit',
      'produkt',
      'designation',
      'beschreibung',
      'bezeichnung',
      'artikelbezeichnung',
      'leistung',
      'omschrijving',
      'libelle',
      'concepto',
      'descripcion',
      'descrizione',
      'nazwa',
      'nazwa towaru',
      'title',
      'service',
      'services',
      'particulars',
      'details',
      'descricao',
    ],
    quantity: [
      'quantity',
      'qty',
      'qte',
      'quantite',
      'menge',
      'anzahl',
      'aantal',
      'cantidad',
      'quantita',
      'ilosc',
      'nombre',
      'units',
      'hours',
      'hrs',
      'quantidade',
      'qtd',
      'q.ta',
      'qta',
      'pz',
      'stk',
      'stuck',
    ],
    unitPrice: [
      'unit price',
      'price',
      'rate',
      'unit cost',
      'prix unitaire',
      'prix',
      'p u',
      'pu',
      'p u ht',
      'pu ht',
      'einzelpreis',
      'ep',
      'preis',
      'vk preis',
      'stuckpreis',
      'prijs',
      'prijs per stuk',
      'stukprijs',
      'precio',
      'precio unitario',
      'prezzo',
      'prezzo unitario',
      'cena',
      'cena netto',
      'preco',
      'preco unitario',
    ],
    amount: [
      'amount',
      'total',
      'line total',
      'net amount',
      'montant',
      'montant ht',
      'montant ttc',
      'betrag',
      'gesamt',
      'gesamtpreis',
      'zeilenbetrag',
      'bedrag',
      'importe',
      'importo',
      'wartosc',
      'ext price',
      'extended',
      'price incl vat',
      'prijs incl btw',
      'preis inkl mwst',
      'prix ttc',
      'subtotal',
      'valor',
      'total price',
    ],
    other: [
      'vat',
      'tax',
      'mwst',
      'btw',
      'tva',
      'iva',
      'discount',
      'rabatt',
      'disc',
      'remise',
      'unit',
      'uom',
      'code',
      'pos',
      'sku',
    ],
  },
  new Set([
    'item',
    'service',
    'title',
    'rate',
    'total',
    'ep',
    'nombre',
    'unit',
    'pos',
    'code',
    'details',
    'valor',
    'items',
  ]),
);

function parseQuantity(text: string, format: NumberFormat): number | null {
  const m = /^\s*(\d+(?:[.,]\d+)?)(?:\s*[\p{L}.]{0,6})?\s*$/u.exec(text);
  if (!m) return null;
  const n = format.decimal === ',' ? m[1].replace(/\./g, '').replace(',', '.') : m[1].replace(/,/g, '');
  const value = Number(n);
  return Number.isFinite(value) ? value : null;
}

interface ItemDraft {
  description: string[];
  quantity: number | null;
  unitPrice: number | null;
  amount: number | null;
}

/** A line of a line-item table: its description text and the values under the numeric headers. */
function readItemLine(
  line: Line,
  description: Column<LineColumn>,
  numeric: readonly Column<LineColumn>[],
  format: NumberFormat,
): ItemDraft {
  // The description area runs from the value column left of the description header (if any) to the first value
  // column right of it.
  const right = numeric.filter((c) => c.x0 > description.x0).map((c) => c.x0);
  const left = numeric.filter((c) => c.x1 <= description.x0).map((c) => c.x1);
  const descriptionEnd = right.length > 0 ? Math.min(...right) : Infinity;
  const descriptionStart = left.length > 0 ? Math.max(...left) : -Infinity;
  const item: ItemDraft = { description: [], quantity: null, unitPrice: null, amount: null };
  for (const cell of line.cells) {
    const amount = parseAmount(cell.text, format, { allowInteger: true });
    const numberLike =
      amount !== null || parseQuantity(cell.text, format) !== null || /^\s*[\d.,]+\s*%$/.test(cell.text);
    const under = assignColumn(cell, numeric, { nearest: false });
    const inDescription = cell.x0 >= descriptionStart && cell.x0 < descriptionEnd - line.height;
    // A number right of the description header's text that sits under no header goes to the nearest column.
    const column = numberLike
      ? (under ?? (inDescription && cell.x0 <= description.x1 ? null : assignColumn(cell, numeric)))
      : null;
    if (!column) {
      if (inDescription || !numberLike) item.description.push(cell.text);
      continue;
    }
    if (column.kind === 'amount' && amount) item.amount = amount.cents;
    else if (column.kind === 'unitPrice' && amount) item.unitPrice = amount.cents;
    else if (column.kind === 'quantity') item.quantity = parseQuantity(cell.text, format);
  }
  return item;
}

/**
 * Line items under a header naming a description and an amount or price column. A row is a line with a value in
 * the amount (else price) column; text lines just below continue its description. Subtotal lines inside the table
 * are passed over when items follow (sections); anything else after a totals line ends the table.
 */
function extractLines(lines: readonly Line[], format: NumberFormat): InvoiceLine[] {
  const items: ItemDraft[] = [];
  for (let i = 0; i < lines.length; i++) {
    const header = lines[i];
    if (header.cells.some((c) => parseAmount(c.text, format) !== null)) continue;
    const columns = headerColumns(header, LINE_HEADERS);
    const description = columns.find((c) => c.kind === 'description');
    const amountColumn = [...columns].reverse().find((c) => c.kind === 'amount');
    const priceColumn = columns.find((c) => c.kind === 'unitPrice');
    if (!description || (!amountColumn && !priceColumn) || columns.length < 3) continue;
    const numeric = columns.filter((c) => c.kind !== 'description');
    const valueOf = (item: ItemDraft) => (amountColumn ? item.amount : item.unitPrice);
    const found: ItemDraft[] = [];
    let lastBottom = header.bottom;
    let afterTotals = false;
    let j = i + 1;
    for (; j < lines.length && lines[j].page === header.page; j++) {
      const line = lines[j];
      if (line.top - lastBottom > 4 * line.height) break;
      const first = fold(line.cells[0]?.text ?? '');
      const hasAmount = findAmounts(line.text, format, { allowInteger: false }).length > 0;
      if (hasAmount && amountField(first)) {
        afterTotals = true;
        lastBottom = line.bottom;
        continue;
      }
      const item = readItemLine(line, description, numeric, format);
      if (valueOf(item) !== null) {
        found.push(item);
        afterTotals = false;
        lastBottom = line.bottom;
        continue;
      }
      if (item.description.length === 0) continue;
      if (afterTotals) {
        // A section heading between subtotals continues the table only if an item follows it.
        const next = lines[j + 1];
        if (
          !next ||
          next.page !== header.page ||
          valueOf(readItemLine(next, description, numeric, format)) === null
        )
          break;
        lastBottom = line.bottom;
        continue;
      }
      if (found.length > 0 && line.top - lastBottom <= 1.5 * line.height) {
        found[found.length - 1].description.push(...item.description);
      }
      // Notes between the header and the first item, or under an item, keep the table going.
      lastBottom = line.bottom;
    }
    if (found.length > 0) {
      items.push(...found);
      i = j - 1; // the next page's repeated header starts the next part
    }
  }
  return items.map((it) => ({
    description: squash(it.description.join(' ')),
    quantity: it.quantity,
    unitPrice: it.unitPrice === null ? null : centsToNumber(it.unitPrice),
    amount: it.amount === null ? null : centsToNumber(it.amount),
  }));
}

// ---- the extractor ----

export function extractInvoice(words: readonly Word[], options: InvoiceOptions = {}): Invoice {
  const lines = buildLines(words);
  const format = detectNumberFormat(lines.map((l) => l.text));
  const currency = detectCurrency(lines);
  const warnings: string[] = [];
  const order =
    options.dayMonthOrder ??
    inferDayMonthOrder(
      lines.flatMap((l) => findDates(l.text)),
      format.decimal === '.' && currency === 'USD' ? 'MDY' : 'DMY',
    );
  const customer = customerLines(lines);

  let invoiceNumber: string | null = null;
  let issueFromNumberLine: string | null = null;
  for (const hit of findLabel(lines, INVOICE_NUMBER)) {
    invoiceNumber = valueAfter(lines, hit, parseIdentifier);
    if (invoiceNumber) {
      // "Facture n° 562044387 du 02 Juillet 2015": the date beside the number is the issue date.
      issueFromNumberLine = firstDate(order)(hit.rest);
      break;
    }
  }
  if (!invoiceNumber) {
    const titled = [
      ...findLabel(lines, INVOICE_TITLE_PREFIX),
      ...findLabel(lines, INVOICE_TITLE_ONLY, true),
      ...findLabel(lines, DOCUMENT_REFERENCE),
    ];
    for (const hit of titled) {
      invoiceNumber = valueAfter(lines, hit, parseIdentifier);
      if (invoiceNumber) break;
    }
  }

  const dateOf = firstDate(order);
  let issueDate: string | null = null;
  for (const hit of findLabel(lines, ISSUE_DATE)) if ((issueDate = valueAfter(lines, hit, dateOf))) break;
  issueDate ??= issueFromNumberLine;
  if (!issueDate) {
    for (const hit of findLabel(lines, BARE_DATE)) if ((issueDate = valueAfter(lines, hit, dateOf))) break;
  }
  let dueDate: string | null = null;
  for (const hit of findLabel(lines, DUE_DATE)) if ((dueDate = valueAfter(lines, hit, dateOf))) break;
  if (!issueDate) {
    const first = lines.flatMap((l) => findDates(l.text))[0];
    issueDate = first ? resolveDate(first, order) : null;
    if (issueDate) warnings.push('issue date not labelled: the first date printed was taken');
  }

  const candidates = collectAmountCandidates(lines, format);
  candidates.push(...taxPerRate(candidates));
  const chosen = chooseTotals(candidates);
  let net = chosen.net?.cents ?? null;
  let tax = chosen.tax?.cents ?? null;
  let gross = chosen.gross?.cents ?? null;
  const items = extractLines(lines, format);
  // The solver leaves out an amount that disagrees with the other two. But an amount printed under an explicit label
  // is what the invoice claims, and replacing it with one derived from the others would be a silent wrong figure:
  // keep it, say so, and let the `subtotal + tax = total` check fail with the difference.
  const printed = (field: AmountField) =>
    candidates.filter((c) => c.field === field && c.score >= 3).sort((a, b) => b.line - a.line)[0];
  const keepPrinted = (field: AmountField, label: string): number | null => {
    const p = printed(field);
    if (!p) return null;
    warnings.push(
      `the printed ${label} ${centsToNumber(p.cents).toFixed(2)} does not add up with the other totals: kept as printed`,
    );
    return p.cents;
  };
  if (net !== null && tax !== null && gross === null) gross = keepPrinted('gross', 'total');
  else if (net !== null && gross !== null && tax === null) tax = keepPrinted('tax', 'tax');
  else if (tax !== null && gross !== null && net === null) net = keepPrinted('net', 'net amount');
  if (net === null && gross !== null && tax !== null) {
    net = gross - tax;
    warnings.push('net amount derived (total − tax)');
  } else if (tax === null && gross !== null && net !== null && gross >= net && gross !== net) {
    tax = gross - net;
    warnings.push('tax derived (total − net)');
  } else if (gross === null && net !== null && tax !== null) {
    gross = net + tax;
    warnings.push('total derived (net + tax)');
  }
  if (net === null && tax === null && gross !== null && items.length > 0) {
    const sum = items.reduce((s, l) => s + Math.round((l.amount ?? NaN) * 100), 0);
    if (sum === gross) {
      net = gross;
      warnings.push('no tax printed: the line amounts add up to the total, taken as the net amount');
    }
  }

  const taxes: InvoiceTax[] = [];
  const seenRates = new Set<number>();
  for (const c of candidates) {
    if (c.field !== 'tax' || c.rate === null || seenRates.has(c.rate)) continue;
    seenRates.add(c.rate);
    taxes.push({
      rate: c.rate,
      base: c.base === null ? null : centsToNumber(c.base),
      amount: centsToNumber(c.cents),
    });
  }
  if (taxes.length === 1 && tax !== null && Math.round(taxes[0].amount * 100) !== tax) taxes.length = 0;
  if (taxes.length === 1 && taxes[0].base === null && net !== null && tax !== null)
    taxes[0].base = centsToNumber(net);

  const ibans = lines.flatMap((l) => findIbans(l.text));
  return {
    issuer: findIssuer(lines, customer, invoiceNumber),
    issuerVatId: findIssuerVatId(lines, customer),
    invoiceNumber,
    issueDate,
    dueDate,
    currency,
    subtotal: net === null ? null : centsToNumber(net),
    tax: tax === null ? null : centsToNumber(tax),
    total: gross === null ? null : centsToNumber(gross),
    iban: ibans[0] ?? null,
    lines: items,
    taxes,
    method: 'layout',
    warnings,
  };
}
