export { fromCents, splitVat, toCents } from './money';
export {
  categorize,
  categorizationRuleSchema,
  categorizationRulesSchema,
  compileRules,
  RULE_FIELDS,
  RULE_LIMITS,
  RULE_OPS,
  UNCATEGORIZED,
  type CategorizationRule,
  type CategoryTotal,
  type CompiledRule,
  type RuleTransaction,
} from './rules';
export {
  csvText,
  summarise,
  writeStatementCsv,
  writeStatementXlsx,
  type GroupTotal,
  type ReportOptions,
  type ReportStatement,
} from './report';
