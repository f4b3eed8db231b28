// Public surface of the pure scoring engine (rules, events, now → score, breakdown, fit).
export {
  RulesSchema,
  EngagementRuleSchema,
  DEFAULT_RULES,
  EVENT_TYPES,
  GRADES,
  parseRules,
  categoryOf,
  type Rules,
  type RulesInput,
  type EngagementRule,
  type CategoryRule,
} from './rules';
export {
  emptyState,
  applyEvent,
  scoreEvents,
  summarize,
  withRejection,
  inOrder,
  stateHalfLife,
  sameHalfLife,
  OutOfOrderError,
  MAX_SESSIONS,
  type ScoringEvent,
  type ScoreState,
  type ScoreSummary,
} from './engine';
export { EPOCH, halfLifeMs, scoreAt, scoreKeyFor } from './decay';
export { FLOOR_RULE, type BreakdownRow } from './breakdown';
export { fitOf, gradeOf, type Fit, type FitRow, type Grade, type Traits } from './fit';
