import { z } from 'zod';

/** Every kind of personal data the recognisers know; `custom` is a job's or tenant's own terms and regexes. */
export const PII_TYPES = [
  'email',
  'phone',
  'iban',
  'card',
  'ip',
  'url',
  'dob',
  'ssn',
  'nino',
  'de-tax-id',
  'vat-id',
  'person',
  'address',
  'custom',
] as const;

export const piiTypeSchema = z.enum(PII_TYPES);
export type PiiType = z.infer<typeof piiTypeSchema>;

/** Types with a fixed format (most with a check digit): the ones the accuracy targets are set for. */
export const STRUCTURED_PII_TYPES: readonly PiiType[] = [
  'email',
  'phone',
  'iban',
  'card',
  'ip',
  'url',
  'dob',
  'ssn',
  'nino',
  'de-tax-id',
  'vat-id',
];

/** One finding in a text: `text === source.slice(start, end)` (UTF-16 offsets). */
export interface TextDetection {
  type: PiiType;
  start: number;
  end: number;
  text: string;
  /** 0..1: a validated check digit or a keyword next to it is high; a bare pattern is lower (docs/architecture.md §13 (redaction)). */
  confidence: number;
  /** Which recogniser found it (`iban`, `compromise`, `title-rule`, `llm`, `custom-term`, …). */
  recogniser: string;
  /** The label of a custom regex, when it had one. */
  label?: string;
}

/** Limits on what a client may send as custom recognisers: they bound the work one job can ask for. */
export const CUSTOM_LIMITS = {
  terms: 500,
  termLength: 200,
  regexes: 20,
  patternLength: 500,
  allow: 500,
  allowLength: 200,
} as const;

export const customRecognisersSchema = z
  .object({
    /** Literal terms, matched case-insensitively (a client or project name, an internal code). */
    terms: z
      .array(z.string().trim().min(1).max(CUSTOM_LIMITS.termLength))
      .max(CUSTOM_LIMITS.terms)
      .optional(),
    /** RE2 regexes (no look-arounds, no back-references): linear time whatever the pattern. */
    regexes: z
      .array(
        z
          .object({
            pattern: z.string().min(1).max(CUSTOM_LIMITS.patternLength),
            flags: z
              .string()
              .regex(/^[ims]*$/, 'only the flags i, m and s')
              .optional(),
            label: z.string().trim().min(1).max(100).optional(),
          })
          .strict(),
      )
      .max(CUSTOM_LIMITS.regexes)
      .optional(),
    /** Values never to redact (the company's own address, a public hotline), compared case- and space-insensitively. */
    allow: z
      .array(z.string().trim().min(1).max(CUSTOM_LIMITS.allowLength))
      .max(CUSTOM_LIMITS.allow)
      .optional(),
  })
  .strict();
export type CustomRecognisers = z.infer<typeof customRecognisersSchema>;
