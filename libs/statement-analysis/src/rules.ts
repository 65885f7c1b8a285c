import { RE2 } from 're2-wasm';
import { z } from 'zod';
import { ValidationError } from '@quire/errors';
import { toCents, fromCents } from './money';

/** The transaction fields rules can look at, as in an extracted statement. */
export interface RuleTransaction {
  date: string;
  description: string;
  amount: number;
}

export const RULE_FIELDS = ['description', 'amount', 'date'] as const;
export const RULE_OPS = ['contains', 'equals', 'regex', 'gt', 'lt', 'between'] as const;

/** Limits that keep a rule set cheap whatever a client sends. */
export const RULE_LIMITS = { maxRules: 200, maxCategoryLength: 64, maxValueLength: 200 } as const;

// An empty string would match every description: a rule that says nothing is a mistake, not a catch-all.
const scalar = z.union([z.string().min(1).max(RULE_LIMITS.maxValueLength), z.number().finite()]);

/** One categorisation rule, as the API takes it (`params.rules[]`). */
export const categorizationRuleSchema = z
  .object({
    category: z.string().trim().min(1).max(RULE_LIMITS.maxCategoryLength),
    field: z.enum(RULE_FIELDS),
    op: z.enum(RULE_OPS),
    value: z.union([scalar, z.tuple([scalar, scalar])]),
  })
  .strict();
export type CategorizationRule = z.infer<typeof categorizationRuleSchema>;

export const categorizationRulesSchema = z.array(categorizationRuleSchema).max(RULE_LIMITS.maxRules);

/** A rule checked once and turned into a predicate. */
export interface CompiledRule {
  category: string;
  matches(tx: RuleTransaction): boolean;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks every rule and compiles it, or throws one ValidationError listing every bad rule by index (`rules[3].value:
 * …`), so a client fixes them all at once. Regexes run on RE2 in linear time, case-insensitively, on descriptions only.
 */
export function compileRules(rules: readonly CategorizationRule[]): CompiledRule[] {
  const problems: string[] = [];
  const compiled: CompiledRule[] = [];
  rules.forEach((rule, index) => {
    const at = `rules[${index}]`;
    try {
      compiled.push({ category: rule.category, matches: predicate(rule) });
    } catch (err) {
      problems.push(`${at}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  if (problems.length > 0) {
    throw new ValidationError(`invalid categorisation rules: ${problems.join('; ')}`, {
      details: { field: 'rules', problems },
    });
  }
  return compiled;
}

function predicate(rule: CategorizationRule): (tx: RuleTransaction) => boolean {
  const { field, op, value } = rule;
  if (op === 'between') {
    if (!Array.isArray(value)) throw new Error('"between" needs a [low, high] pair');
    const [low, high] = value.map((v) => comparable(field, v));
    if (low > high) throw new Error('"between" needs low ≤ high');
    return (tx) => {
      const x = fieldValue(field, tx);
      return x >= low && x <= high;
    };
  }
  if (Array.isArray(value)) throw new Error(`"${op}" takes one value, not a pair`);
  switch (op) {
    case 'contains': {
      if (field !== 'description') throw new Error('"contains" applies to the description');
      const needle = String(value).toLocaleLowerCase();
      return (tx) => tx.description.toLocaleLowerCase().includes(needle);
    }
    case 'regex': {
      if (field !== 'description') throw new Error('"regex" applies to the description');
      const re = safeRegExp(String(value));
      return (tx) => re.test(tx.description);
    }
    case 'equals': {
      if (field === 'description') {
        const wanted = String(value).trim().toLocaleLowerCase();
        return (tx) => tx.description.trim().toLocaleLowerCase() === wanted;
      }
      const wanted = comparable(field, value);
      return (tx) => fieldValue(field, tx) === wanted;
    }
    case 'gt':
    case 'lt': {
      if (field === 'description') throw new Error(`"${op}" applies to the amount or the date`);
      const bound = comparable(field, value);
      return op === 'gt' ? (tx) => fieldValue(field, tx) > bound : (tx) => fieldValue(field, tx) < bound;
    }
  }
}

/** Amounts compare in cents, dates as ISO strings (which sort as dates). */
function comparable(field: CategorizationRule['field'], value: string | number): number | string {
  if (field === 'amount') {
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isFinite(n)) throw new Error(`amount rules need a number, got ${JSON.stringify(value)}`);
    return toCents(n);
  }
  if (field === 'date') {
    if (typeof value !== 'string' || !ISO_DATE.test(value) || Number.isNaN(Date.parse(value))) {
      throw new Error(`date rules need an ISO date (YYYY-MM-DD), got ${JSON.stringify(value)}`);
    }
    return value;
  }
  if (typeof value !== 'string') throw new Error('description rules need a string');
  return value;
}

function fieldValue(field: CategorizationRule['field'], tx: RuleTransaction): number | string {
  if (field === 'amount') return toCents(tx.amount);
  if (field === 'date') return tx.date;
  return tx.description;
}

/**
 * Client regexes run on RE2 (WebAssembly): linear time whatever the pattern or the text, so no pattern can
 * backtrack catastrophically. RE2 refuses what it cannot do in linear time (back-references, look-arounds).
 */
function safeRegExp(source: string): { test(text: string): boolean } {
  try {
    return new RE2(source, 'iu');
  } catch (err) {
    throw new Error(`not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export interface CategoryTotal {
  category: string;
  count: number;
  amount: number;
}

/** The category given to transactions no rule matches. */
export const UNCATEGORIZED = 'uncategorized';

/**
 * Gives each transaction the category of the first rule that matches (rules are tried in order), or
 * `uncategorized`, and totals per category in first-seen rule order (then `uncategorized`). Sums are exact (cents).
 */
export function categorize<T extends RuleTransaction>(
  transactions: readonly T[],
  rules: readonly CompiledRule[],
): { transactions: Array<T & { category: string }>; totals: CategoryTotal[] } {
  const sums = new Map<string, { count: number; cents: number }>();
  for (const rule of rules) if (!sums.has(rule.category)) sums.set(rule.category, { count: 0, cents: 0 });
  const out = transactions.map((tx) => {
    const category = rules.find((r) => r.matches(tx))?.category ?? UNCATEGORIZED;
    const sum = sums.get(category) ?? { count: 0, cents: 0 };
    sum.count += 1;
    sum.cents += toCents(tx.amount);
    sums.set(category, sum);
    return { ...tx, category };
  });
  const totals = [...sums.entries()]
    .filter(([, s]) => s.count > 0)
    .map(([category, s]) => ({ category, count: s.count, amount: fromCents(s.cents) }));
  return { transactions: out, totals };
}
