import { describe, expect, it } from 'vitest';
import { ValidationError } from '@quire/errors';
import { germanInvoiceWords } from './__fixtures__/invoices';
import { crossCheckInvoices, parseEInvoiceXml } from './einvoice';
import { extractInvoice } from './invoice';
import { validateInvoice } from './validate';

/** A Factur-X / ZUGFeRD (EN 16931 profile) CII document for the German fixture invoice. */
function cii(overrides: { grandTotal?: string; iban?: string } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>RE-2024-0042</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20240315</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>Beratung Projektphase 1</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>120.00</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="HUR">8</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement><ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>960.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>2</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>Lizenz Jahresabo</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>40.00</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">1</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement><ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>40.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>Muster Software GmbH</ram:Name>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="FC">30/123/45678</ram:ID></ram:SpecifiedTaxRegistration>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE123456789</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>Beispiel AG</ram:Name></ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans>
        <ram:TypeCode>58</ram:TypeCode>
        <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>${overrides.iban ?? 'DE89370400440532013000'}</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>
      </ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>190.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount>1000.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode>
        <ram:RateApplicablePercent>19</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">20240329</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>1000.00</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>1000.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">190.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>${overrides.grandTotal ?? '1190.00'}</ram:GrandTotalAmount>
        <ram:DuePayableAmount>${overrides.grandTotal ?? '1190.00'}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>`;
}

const UBL = `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
  <cbc:ID>0815-2024</cbc:ID>
  <cbc:IssueDate>2024-06-01</cbc:IssueDate>
  <cbc:DueDate>2024-06-30</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyName><cbc:Name>Nordlicht</cbc:Name></cac:PartyName>
    <cac:PartyTaxScheme><cbc:CompanyID>DE 232 446 240</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>Nordlicht Energie GmbH &amp; Co. KG</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>
    <cac:PayeeFinancialAccount><cbc:ID>DE89370400440532013000</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">22.26</cbc:TaxAmount>
    <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">100.00</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">19.00</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>
    <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">46.60</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">3.26</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>AA</cbc:ID><cbc:Percent>7</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">146.60</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">146.60</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">168.86</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">168.86</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="C62">4</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Wartung</cbc:Name></cac:Item><cac:Price><cbc:PriceAmount currencyID="EUR">25.00</cbc:PriceAmount></cac:Price></cac:InvoiceLine>
  <cac:InvoiceLine><cbc:ID>2</cbc:ID><cbc:InvoicedQuantity unitCode="C62">2</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">46.60</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Fachbuch</cbc:Name></cac:Item><cac:Price><cbc:PriceAmount currencyID="EUR">23.30</cbc:PriceAmount></cac:Price></cac:InvoiceLine>
</Invoice>`;

describe('parseEInvoiceXml', () => {
  it('reads a Factur-X / ZUGFeRD CII document into the invoice shape', () => {
    const invoice = parseEInvoiceXml(cii());
    expect(invoice).toMatchObject({
      method: 'xml',
      issuer: 'Muster Software GmbH',
      issuerVatId: 'DE123456789',
      invoiceNumber: 'RE-2024-0042',
      issueDate: '2024-03-15',
      dueDate: '2024-03-29',
      currency: 'EUR',
      subtotal: 1000,
      tax: 190,
      total: 1190,
      iban: 'DE89370400440532013000',
      taxes: [{ rate: 19, base: 1000, amount: 190 }],
      lines: [
        { description: 'Beratung Projektphase 1', quantity: 8, unitPrice: 120, amount: 960 },
        { description: 'Lizenz Jahresabo', quantity: 1, unitPrice: 40, amount: 40 },
      ],
    });
    expect(validateInvoice(invoice).passed).toBe(true);
  });

  it('reads a UBL (XRechnung) invoice with two tax rates', () => {
    const invoice = parseEInvoiceXml(new TextEncoder().encode(UBL));
    expect(invoice).toMatchObject({
      issuer: 'Nordlicht Energie GmbH & Co. KG',
      issuerVatId: 'DE 232 446 240',
      invoiceNumber: '0815-2024',
      issueDate: '2024-06-01',
      dueDate: '2024-06-30',
      subtotal: 146.6,
      tax: 22.26,
      total: 168.86,
      taxes: [
        { rate: 19, base: 100, amount: 19 },
        { rate: 7, base: 46.6, amount: 3.26 },
      ],
      lines: [
        { description: 'Wartung', quantity: 4, unitPrice: 25, amount: 100 },
        { description: 'Fachbuch', quantity: 2, unitPrice: 23.3, amount: 46.6 },
      ],
    });
    expect(validateInvoice(invoice).passed).toBe(true);
  });

  it('refuses what is not a well-formed e-invoice with a ValidationError', () => {
    expect(() => parseEInvoiceXml('<Invoice><cbc:ID>1</Invoice>')).toThrow(ValidationError);
    expect(() => parseEInvoiceXml('<?xml version="1.0"?><Order><ID>1</ID></Order>')).toThrow(
      /not an e-invoice/,
    );
    expect(() => parseEInvoiceXml('not xml at all')).toThrow(ValidationError);
  });
});

describe('crossCheckInvoices', () => {
  const printed = extractInvoice(germanInvoiceWords());

  it('agrees field by field with the printed invoice', () => {
    const check = crossCheckInvoices(parseEInvoiceXml(cii()), printed);
    expect(check.checks.filter((c) => !c.passed)).toEqual([]);
    expect(check.checks.filter((c) => !c.skipped).map((c) => c.name)).toEqual([
      'xml-matches-text:invoiceNumber',
      'xml-matches-text:issueDate',
      'xml-matches-text:dueDate',
      'xml-matches-text:currency',
      'xml-matches-text:subtotal',
      'xml-matches-text:tax',
      'xml-matches-text:total',
      'xml-matches-text:iban',
      'xml-matches-text:issuerVatId',
      'xml-matches-text:issuer',
    ]);
  });

  it('names every field where the attachment and the page disagree', () => {
    const check = crossCheckInvoices(
      parseEInvoiceXml(cii({ grandTotal: '1290.00', iban: 'GB82WEST12345698765432' })),
      printed,
    );
    expect(check.passed).toBe(false);
    expect(check.checks.filter((c) => !c.passed)).toEqual([
      { name: 'xml-matches-text:total', passed: false, detail: 'XML 1290.00, printed 1190.00' },
      {
        name: 'xml-matches-text:iban',
        passed: false,
        detail: 'XML GB82WEST12345698765432, printed DE89370400440532013000',
      },
    ]);
  });
});
