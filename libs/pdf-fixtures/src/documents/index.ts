export { generatedInvoices, flowInvoice, type InvoiceLayout } from './invoices';
export { generatedStatements } from './statements';
export { flowStatement, type StatementLayout } from './statement-layouts';
export { makeTextPdf, textWidth, type PlacedText, type TextPage } from './text-pdf';
export type {
  GeneratedDocument,
  GeneratedInvoice,
  GeneratedStatement,
  InvoiceTruth,
  StatementTruth,
} from './types';
export { scoreInvoice, scoreStatement, type InvoiceScore, type StatementScore } from './score';
