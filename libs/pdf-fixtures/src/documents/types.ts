export interface StatementTruth {
  /** Null when the document prints no currency (code or symbol) at all. */
  currency: string | null;
  openingBalance: number;
  closingBalance: number;
  periodStart: string;
  periodEnd: string;
  /** Amounts signed (negative = money out); descriptions with their wrapped lines joined by one space. */
  transactions: Array<{ date: string; description: string; amount: number; balance: number | null }>;
}

export interface InvoiceTruth {
  issuer: string;
  issuerVatId: string | null;
  invoiceNumber: string;
  issueDate: string;
  dueDate: string | null;
  currency: string;
  subtotal: number;
  tax: number;
  total: number;
  iban: string | null;
  lines: Array<{ description: string; quantity: number; unitPrice: number; amount: number }>;
}

export interface GeneratedDocument<T> {
  /** `<layout>-<seed>.pdf` */
  name: string;
  layout: string;
  /** What the layout exercises (for the report). */
  features: string[];
  pdf: Buffer;
  pages: number;
  truth: T;
}

export type GeneratedStatement = GeneratedDocument<StatementTruth>;
export type GeneratedInvoice = GeneratedDocument<InvoiceTruth>;
