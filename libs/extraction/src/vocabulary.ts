/**
 * The words statements and invoices print, in folded form (see text.ts: lower case, no accents), in English,
 * German, French, Spanish, Italian, Dutch, Portuguese and Polish. Extend these lists rather than adding rules
 * for one bank or one vendor.
 */
import { phraseRegex } from './text';

export type ColumnKind = 'date' | 'valueDate' | 'description' | 'debit' | 'credit' | 'amount' | 'balance';

/**
 * Statement column headers. Short, common words ("in", "out", "text", "data") count only when they are the whole
 * header cell, so "Money in" or "Paid out" match but a sentence containing "in" does not.
 */
export const COLUMN_HEADERS: Readonly<Record<ColumnKind, readonly string[]>> = {
  date: [
    'date', 'datum', 'buchungstag', 'buchungsdatum', 'buchung', 'posted', 'posting date', 'post date', 'posted date',
    'trans date', 'transaction date', 'txn date', 'booking date', 'entry date', 'fecha', 'fecha operacion',
    'fecha de operacion', 'f operacion', 'data operazione', 'data contabile', 'data registrazione',
    'date operation', 'date de l operation', "date d'operation", 'date comptable', 'boekdatum', 'boekingsdatum',
    'transactiedatum', 'data lancamento', 'data movimento', 'data operacji', 'data ksiegowania',
  ],
  valueDate: [
    'value date', 'valuta', 'valutadatum', 'wertstellung', 'date valeur', 'date de valeur', 'fecha valor',
    'f valor', 'data valuta', 'rentedatum', 'valeur', 'wert', 'value',
  ],
  description: [
    'description', 'details', 'transaction details', 'particulars', 'narrative', 'narration', 'transaction',
    'transactions', 'memo', 'payee', 'merchant', 'reference', 'transaction type', 'type', 'buchungstext',
    'verwendungszweck', 'beschreibung', 'text', 'vorgang', 'umsatzart', 'erlauterung', 'auftraggeber',
    'empfanger', 'libelle', 'libelle de l operation', 'operation', 'operations', 'nature de l operation',
    'designation', 'detail', 'concepto', 'descripcion', 'movimiento', 'movimientos', 'detalle', 'omschrijving',
    'mededelingen', 'descrizione', 'causale', 'descricao', 'historico', 'opis', 'tytul', 'tytul operacji',
  ],
  debit: [
    'debit', 'debits', 'debit amount', 'withdrawal', 'withdrawals', 'withdrawn', 'paid out', 'money out', 'out',
    'payments', 'charges', 'soll', 'lastschrift', 'belastung', 'ausgang', 'ausgaben', 'debe', 'cargo', 'cargos',
    'retiros', 'reintegros', 'af', 'afschrijving', 'afschrijvingen', 'uitgaand', 'dare', 'addebiti', 'addebito',
    'uscite', 'debito', 'saidas', 'obciazenia', 'wyplaty',
  ],
  credit: [
    'credit', 'credits', 'credit amount', 'deposit', 'deposits', 'paid in', 'money in', 'in', 'receipts', 'haben',
    'gutschrift', 'eingang', 'einnahmen', 'haber', 'abono', 'abonos', 'ingresos', 'depositos', 'bij',
    'bijschrijving', 'bijschrijvingen', 'inkomend', 'avere', 'accrediti', 'accredito', 'entrate', 'credito',
    'entradas', 'uznania', 'wplaty',
  ],
  amount: [
    'amount', 'transaction amount', 'betrag', 'umsatz', 'montant', 'importe', 'bedrag', 'importo', 'valor',
    'kwota', 'sum',
  ],
  balance: [
    'balance', 'running balance', 'saldo', 'solde', 'kontostand', 'stan', 'stan konta', 'saldo disponible',
  ],
};

/** Header words that only count as a whole cell. */
export const WHOLE_CELL_ONLY: ReadonlySet<string> = new Set([
  'in', 'out', 'af', 'bij', 'text', 'type', 'value', 'wert', 'valeur', 'detail', 'sum', 'stan', 'transaction',
  'transactions', 'operation', 'operations', 'charges', 'payments', 'reference', 'valor', 'buchung',
]);

/** Money columns, whose cells are amounts. */
export const MONEY_KINDS: ReadonlySet<ColumnKind> = new Set(['debit', 'credit', 'amount', 'balance']);

/** Rows that carry a balance from the previous statement or page rather than a transaction. */
export const OPENING_PHRASES = [
  'opening balance', 'balance brought forward', 'brought forward', 'balance b/f', 'b/f', 'bfwd', 'b/fwd',
  'previous balance', 'previous statement balance', 'start balance', 'starting balance', 'beginning balance',
  'balance at start', 'old balance', 'balance forward', 'anfangssaldo', 'alter saldo', 'alter kontostand',
  'saldovortrag', 'saldo vortrag', 'vortrag', 'ubertrag vom', 'vorheriger kontostand', 'kontostand alt',
  'solde precedent', 'ancien solde', 'solde initial', 'solde de debut', 'solde au debut', 'solde reporte',
  'report', 'saldo anterior', 'saldo inicial', 'saldo iniziale', 'saldo precedente', 'beginsaldo', 'vorig saldo',
  'oud saldo', 'saldo poczatkowe', 'saldo otwarcia',
];
export const CLOSING_PHRASES = [
  'closing balance', 'balance carried forward', 'carried forward', 'balance c/f', 'c/f', 'cfwd', 'c/fwd',
  'new balance', 'ending balance', 'end balance', 'final balance', 'balance at end', 'endsaldo', 'neuer saldo',
  'neuer kontostand', 'schlusssaldo', 'kontostand neu', 'ubertrag auf', 'nouveau solde', 'solde final',
  'solde de fin', 'solde a reporter', 'a reporter', 'saldo final', 'saldo actual', 'saldo finale', 'eindsaldo',
  'nieuw saldo', 'saldo koncowe', 'saldo zamkniecia',
];
export const OPENING_RE = phraseRegex(OPENING_PHRASES);
export const CLOSING_RE = phraseRegex(CLOSING_PHRASES);

/** Lines that sum up rather than record (a transaction description never starts with these). */
export const TOTAL_RE = /^(?:sub ?-?totals?|totals?|page total|summe|zwischensumme|gesamt|totaux|total des operations|totales|totaal|totale|razem|suma)\b/;

/** Page furniture inside a table area. */
export const FOOTER_RE = /^(?:page|seite|pagina|pag|blatt|feuille|strona)\s*\d+|(?:continued|fortsetzung|a suivre|suite au verso|continua)\b/;

/** The words that introduce a statement period, or join its two dates. */
export const RANGE_JOIN_RE = /^\s*(?:-|–|—|to|till|until|through|thru|bis|au|a|al|tot|do|t\/m)\s*$/;
