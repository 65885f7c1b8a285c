import type { Word } from '../layout';
import { headerRow, render, row, type TableColumn } from './synthetic';

/** A German invoice: labels beside values, a line table, totals, a footer with the VAT id and IBAN. */
export function germanInvoiceWords(): Word[] {
  const cols: TableColumn[] = [
    { header: 'Pos.', x: 40 },
    { header: 'Beschreibung', x: 80 },
    { header: 'Menge', x: 340, align: 'right' },
    { header: 'Einzelpreis', x: 440, align: 'right' },
    { header: 'Gesamt', x: 540, align: 'right' },
  ];
  return render([
    {
      lines: [
        [{ text: 'Muster Software GmbH', x: 40, size: 14 }],
        [{ text: 'Muster Software GmbH · Hauptstr. 1 · 10115 Berlin', x: 40, size: 6 }],
        [{ text: 'Kunde:', x: 40 }],
        [{ text: 'Beispiel AG', x: 40 }],
        [{ text: 'Am Markt 5, 20095 Hamburg', x: 40 }],
        { gap: 20 },
        [{ text: 'Rechnung', x: 40, size: 14 }],
        [
          { text: 'Rechnungsnummer:', x: 40 },
          { text: 'RE-2024-0042', x: 140 },
        ],
        [
          { text: 'Rechnungsdatum:', x: 40 },
          { text: '15.03.2024', x: 140 },
        ],
        [
          { text: 'Fällig am:', x: 40 },
          { text: '29.03.2024', x: 140 },
        ],
        { gap: 14 },
        headerRow(cols),
        row(cols, ['1', 'Beratung Projektphase 1', '8', '120,00', '960,00']),
        row(cols, [null, 'März 2024, vor Ort']),
        row(cols, ['2', 'Lizenz Jahresabo', '1', '40,00', '40,00']),
        { gap: 14 },
        [
          { text: 'Nettobetrag', x: 360 },
          { text: '1.000,00 €', x: 540, align: 'right' },
        ],
        [
          { text: 'USt. 19 %', x: 360 },
          { text: '190,00 €', x: 540, align: 'right' },
        ],
        [
          { text: 'Gesamtbetrag', x: 360 },
          { text: '1.190,00 €', x: 540, align: 'right' },
        ],
        { gap: 200 },
        [
          { text: 'Muster Software GmbH', x: 40, size: 7 },
          { text: 'USt-IdNr. DE123456789', x: 200, size: 7 },
          { text: 'IBAN DE89 3704 0044 0532 0130 00', x: 360, size: 7 },
        ],
      ],
    },
  ]);
}
