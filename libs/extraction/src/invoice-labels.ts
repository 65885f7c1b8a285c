/**
 * Invoice labels, as regular expressions over folded text (lower case, no accents; see text.ts), in English,
 * German, French, Spanish, Italian, Dutch, Portuguese and Polish. Order matters where noted: the more specific
 * label is tried first ("Total HT" is the net amount, "Total TVA" the tax, "Total" the gross).
 */

// Labels end where a letter does not follow: "Facture n°562044387" has the number straight after the label.
const w = (body: string) => new RegExp(`(?<![\\p{L}\\p{N}])(?:${body})(?!\\p{L})`, 'u');

/** Invoice number labels (the value follows). */
export const INVOICE_NUMBER = w(
  [
    'invoice\\s*(?:no|nr|num|number|#|n°|nº|id|ref(?:erence)?)\\.?',
    'inv\\.?\\s*(?:no|#)\\.?',
    'tax invoice\\s*(?:no|number|#)\\.?',
    'bill\\s*(?:no|number|#)\\.?',
    'rechnungs?\\s*-?\\s*(?:nr|nummer|no|n°)\\.?',
    'rechnungsnr\\.?',
    'rechnungsnummer',
    'beleg\\s*-?\\s*(?:nr|nummer)\\.?',
    'belegnummer',
    'facture\\s*(?:n°|nº|no|num(?:ero)?|#)\\.?',
    '(?:n°|numero|no)\\s*(?:de\\s*)?facture',
    'factuur\\s*-?\\s*(?:nummer|nr|no)\\.?',
    'factuurnummer',
    'factura\\s*(?:n°|nº|no|num(?:ero)?|#)\\.?',
    'numero\\s*de\\s*factura',
    'fattura\\s*(?:n°|n\\.|nr|num(?:ero)?)\\.?',
    'numero\\s*(?:di\\s*)?fattura',
    'faktura\\s*(?:nr|numer|vat\\s*nr)\\.?',
    'nota fiscal\\s*(?:n°|no)?',
    'document\\s*(?:no|number|#)\\.?',
    'receipt\\s*(?:no|number|#)\\.?',
  ].join('|'),
);

/**
 * The document's own reference when it has no invoice number (receipts, bookings): tried only after every invoice
 * number label.
 */
export const DOCUMENT_REFERENCE = w(
  [
    'booking\\s*(?:id|no|number|ref(?:erence)?)\\.?',
    'reservation\\s*(?:id|no|number)\\.?',
    'confirmation\\s*(?:no|number)\\.?',
    'reference\\s*(?:no|number)\\.?',
    'buchungsnummer',
    'numero\\s*de\\s*reservation',
  ].join('|'),
);

/** The document's title word alone; its number is the value right of or below it. */
export const INVOICE_TITLE_ONLY =
  /^(?:tax\s+)?(?:invoice|rechnung|facture|factuur|factura|fattura|faktura|fatura)\s*:?$/;
/** The title word followed by the number in the same cell ("Invoice INV/2023/03/0008"). */
export const INVOICE_TITLE_PREFIX =
  /^(?:tax\s+)?(?:invoice|rechnung|facture|factuur|factura|fattura|faktura|fatura)\s*[:#]?\s*(?=[#\p{L}\p{N}/_-]*\d)/u;
/** Words of document titles (never an issuer's name). */
export const TITLE_WORDS =
  /\b(?:invoice|rechnung|facture|factuur|factura|fattura|faktura|fatura|receipt|quittung|recu|credit note|gutschrift|avoir|creditnota|statement|kontoauszug|releve|kopie|copy|duplicate|duplikat)\b/;

export const ISSUE_DATE = w(
  [
    'invoice\\s*date',
    'date\\s*of\\s*(?:issue|invoice)',
    'issue\\s*date',
    'date\\s*issued',
    'billing\\s*date',
    'rechnungsdatum',
    'datum\\s*der\\s*rechnung',
    'ausstellungsdatum',
    'date\\s*(?:de\\s*(?:la\\s*)?)?facture',
    "date\\s*d'?\\s*emission",
    'factuur\\s*datum',
    'factuurdatum',
    'fecha\\s*(?:de\\s*)?(?:la\\s*)?(?:factura|emision|expedicion)',
    'data\\s*(?:della\\s*)?fattura',
    'data\\s*(?:de\\s*)?emissao',
    'data\\s*wystawienia',
  ].join('|'),
);

/** A bare "Date" label (the whole cell, or "Date:" and the value): an issue date only when nothing more specific is printed. */
export const BARE_DATE = /^(?:date|datum|fecha|data|dato)(?:\s*:|\s*$)/;

export const DUE_DATE = w(
  [
    'due\\s*date',
    'date\\s*due',
    'payment\\s*due(?:\\s*date)?',
    'due\\s*(?:on|by)',
    'pay(?:able)?\\s*by',
    'faelligkeit',
    'falligkeit(?:sdatum)?',
    'fallig(?:\\s*am)?',
    'zahlbar\\s*bis',
    'zahlungsziel',
    'date\\s*(?:limite\\s*)?(?:de\\s*)?(?:paiement|reglement)',
    'echeance',
    'a\\s*payer\\s*avant\\s*le',
    'vervaldatum',
    'uiterste\\s*betaaldatum',
    'fecha\\s*(?:de\\s*)?vencimiento',
    'vencimiento',
    'scadenza',
    'data\\s*(?:di\\s*)?scadenza',
    'termin\\s*platnosci',
    'data\\s*(?:de\\s*)?vencimento',
  ].join('|'),
);

/** Tax totals named as such ("Total VAT", "Montant TVA"): tried before net and gross. */
export const TAX_TOTAL = w(
  [
    'total\\s*(?:vat|tax|tva|mwst|ust|btw|iva|gst)',
    '(?:vat|tax|tva|btw|iva|gst)\\s*(?:total|amount)',
    'montant\\s*(?:de\\s*la\\s*)?tva',
    'btw\\s*-?\\s*bedrag',
    'kwota\\s*vat',
    'steuerbetrag',
    '(?:mwst|ust)\\.?\\s*-?\\s*betrag',
    'importe\\s*(?:del\\s*)?iva',
    'cuota\\s*(?:de\\s*)?iva',
    'imposta',
  ].join('|'),
);

export const NET = w(
  [
    'sub\\s*-?\\s*total',
    'subtotaal',
    'zwischensumme',
    'net\\s*(?:amount|total|value)',
    'total\\s*net',
    'netto(?:betrag|summe|bedrag)?',
    'nettobetrag',
    'summe\\s*netto',
    'gesamt\\s*netto',
    'total\\s*(?:excl(?:uding)?|before|without|hors|sans)\\.?(?:\\s*(?:vat|tax|taxes|tva|gst))?',
    '(?:amount|total)\\s*(?:before|excl\\.?|excluding)\\s*(?:vat|tax)',
    'excl(?:usief|\\.)?\\s*(?:btw|vat|mwst|tax|tva)',
    'exkl\\.?\\s*mwst',
    'ohne\\s*mwst',
    'total\\s*ht',
    'montant\\s*(?:eur\\s*)?ht',
    'base\\s*(?:imponible|ht)',
    'imponibile',
    'grondslag',
    'wartosc\\s*netto',
    'taxable\\s*(?:amount|value)',
    'ht',
  ].join('|'),
);

export const GROSS = w(
  [
    'grand\\s*total',
    'total\\s*(?:amount\\s*)?(?:due|payable|to\\s*pay)',
    'amount\\s*(?:due|payable|to\\s*pay)',
    'balance\\s*due',
    'total\\s*(?:incl(?:uding)?|with)\\.?(?:\\s*(?:vat|tax|taxes|tva|gst))?',
    'incl(?:usief|\\.)?\\s*(?:btw|vat|mwst|tax)',
    'inkl\\.?\\s*mwst',
    'total\\s*ttc',
    'montant\\s*(?:eur\\s*)?ttc',
    'ttc',
    '(?:somme|montant|net)\\s*a\\s*payer',
    'gesamtbetrag',
    'gesamtsumme',
    'rechnungsbetrag',
    'endbetrag',
    'zahlbetrag',
    'zu\\s*zahlen(?:der\\s*betrag)?',
    'bruttobetrag',
    'summe\\s*brutto',
    'gesamt\\s*brutto',
    'factuur\\s*totaal',
    'totaal\\s*(?:bedrag|te\\s*betalen)',
    'te\\s*betalen',
    'importe\\s*total',
    'total\\s*a\\s*pagar',
    'totale\\s*(?:fattura|documento|da\\s*pagare)',
    'wartosc\\s*brutto',
    'do\\s*zaplaty',
    'naleznosc(?:\\s*ogolem)?',
    'invoice\\s*total',
    'total\\s*invoice',
    'total\\s*for\\s*this\\s*invoice',
  ].join('|'),
);

/** A plain "Total": the gross amount unless a more specific label says otherwise. */
export const GENERIC_TOTAL = w('total|totaal|totale|summe|gesamt|razem|suma|total facture|totals?');

/** Plain tax labels ("VAT", "MwSt 19 %", "TVA 20%"), tried after the above. */
export const TAX = w(
  'vat|tax|taxes|sales\\s*tax|mwst|ust|umsatzsteuer|mehrwertsteuer|tva|btw|iva|gst|hst|igst|cgst|sgst',
);

/** Tax words that are not a tax amount: VAT numbers, "tax invoice", "prices incl. VAT". */
export const NOT_TAX_AMOUNT = w(
  [
    '(?:vat|tax|btw|tva|iva|gst|mwst|ust)\\s*-?\\s*(?:reg(?:istration)?|no|nr|n°|number|nummer|id|identification|code|point|invoice|exempt|free|frei)',
    'ust\\s*-?\\s*id(?:nr)?',
    'ustid',
    'tva\\s*intra',
    '(?:n°|numero)\\s*(?:de\\s*)?tva',
    'steuer\\s*-?\\s*nr',
    'steuernummer',
    'tax\\s*(?:%|rate)',
    'inclusief',
    'inclusive',
    'included',
    'incl\\.?',
    'inkl\\.?',
    'prijzen',
    'prices',
  ].join('|'),
);

/** Labels naming the issuer (the value follows). */
export const SELLER = w(
  [
    'sold\\s*by',
    'seller',
    'vendor',
    'supplier',
    'service\\s*provider',
    'issued\\s*by',
    'verkaufer',
    'lieferant',
    'rechnungssteller',
    'leistungserbringer',
    'vendeur',
    'fournisseur',
    'emetteur',
    'prestataire',
    'proveedor',
    'emisor',
    'vendedor',
    'fornitore',
    'cedente',
    'leverancier',
    'sprzedawca',
    'wystawca',
  ].join('|'),
);

/** Account holder of the payment details: the payee, i.e. the issuer. */
export const PAYEE = w(
  [
    'titulaire\\s*du\\s*compte',
    'account\\s*(?:holder|name)',
    'kontoinhaber',
    'beneficiary',
    'payee',
    'begunstigter',
    'ten\\s*name\\s*van',
    'titular',
  ]
    .map((label) => `${label}\\s*:`)
    .join('|'),
);

/** Labels of the customer's block (names and VAT ids under these are not the issuer's). */
export const CUSTOMER = w(
  [
    'bill\\s*to',
    'billed\\s*to',
    'invoice\\s*to',
    'ship\\s*to',
    'sold\\s*to',
    'deliver\\s*to',
    'billing\\s*address',
    'shipping\\s*address',
    'delivery\\s*address',
    'customer',
    'client',
    'buyer',
    'attn',
    'kunde',
    'rechnungsadresse',
    'lieferadresse',
    'rechnungsempfanger',
    'empfanger',
    'adresse\\s*de\\s*(?:facturation|livraison)',
    'destinataire',
    'factuuradres',
    'afleveradres',
    'klant',
    'cliente',
    'destinatario',
    'nabywca',
    'odbiorca',
    'your',
    'uw',
    'ihre?',
    'votre',
    'vuestro',
  ].join('|'),
);

/**
 * A customer label that names one of the customer's details ("your VAT number", "Ihre Kundennummer", "uw
 * referentie") rather than heading the customer's address block (folded text of the cell).
 */
export const YOUR =
  /^(?:your|uw|ihre?|votre|vos|vuestro)\s(?!.*(?:address|adres|anschrift|adresse|direccion))/u;

/** VAT id labels. */
export const VAT_ID = w(
  [
    'vat\\s*(?:reg(?:istration)?\\.?\\s*)?(?:no|nr|number|id)?\\.?',
    'ust\\s*-?\\s*id(?:\\s*-?\\s*nr)?\\.?',
    'ustid(?:nr)?\\.?',
    'umsatzsteuer\\s*-?\\s*id(?:entifikationsnummer)?',
    'mwst\\s*-?\\s*nr\\.?',
    'uid(?:\\s*-?\\s*nr)?\\.?',
    'btw(?:\\s*-?\\s*(?:nummer|nr|id))?\\.?',
    '(?:n°|numero)\\s*(?:de\\s*)?tva(?:\\s*intra\\s*-?\\s*communautaire)?',
    'tva\\s*intra\\s*-?\\s*communautaire',
    'tva',
    'p\\.?\\s*iva',
    'partita\\s*iva',
    'nif',
    'cif',
    'nip',
    'tax\\s*id',
    'gstin',
  ].join('|'),
);

/** Legal forms: a name ending in one is a company name. */
export const LEGAL_FORM =
  /(?<![\p{L}\p{N}])(?:gmbh(?:\s*&\s*co\.?\s*kg)?|ag|kg|ohg|ug|e\.\s?k\.|b\.\s?v\.?|bv|n\.\s?v\.?|nv|ltd\.?|limited|inc\.?|incorporated|llc|llp|plc|corp\.?|corporation|co\.|s\.?\s?a\.?\s?s\.?|sas|sarl|s\.?a\.?r\.?l\.?|eurl|s\.?\s?a\.|sa|s\.?\s?r\.?\s?l\.?|srl|s\.?p\.?a\.?|spa|s\.?l\.|sl|oy|oyj|ab|a\/s|as|aps|sp\.?\s?z\s?o\.?\s?o\.?|spolka\s+akcyjna|spółka\s+akcyjna|pvt\.?\s*ltd\.?|pty\.?\s*ltd\.?|private\s+limited)(?![\p{L}\p{N}])/iu;
