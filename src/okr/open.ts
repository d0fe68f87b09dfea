import * as core from '@actions/core'
import { Failure, describeFailure, isFailure, isRefusal } from '../feishu/errors.js'
import { type ListedPeriod, OKR_CODES, type OkrApi, STATUS_NAMES } from './api.js'
import {
  MAX_RULE_LENGTH,
  type Month,
  type PeriodRule,
  describeRule,
  formatMonth,
  formatOptionalMonth,
  monthAt,
  neighbouringStarts,
  periodEnd,
  periodStartHolding,
  startsPeriod,
} from './months.js'

/** `start_month` as given: a month, or one relative to today under the period rule. */
export type StartMonth = { month: Month } | { relative: 'current' | 'next' }

export interface OpenRequest {
  periodRuleId: string
  start: StartMonth
  /** How many consecutive periods, the first starting at `start`. */
  count: number
  allowExisting: boolean
  dryRun: boolean
  timeZone: string
}

export interface PeriodOutcome {
  /** Empty when there is none yet (a dry run) or Feishu's answers gave no usable id (a warning says so). */
  id: string
  startMonth: Month
  /** Unknown only when an existing period could not be identified and the rule was not fetched. */
  endMonth: Month | undefined
  result: 'created' | 'existed' | 'would create'
}

export interface Opening {
  /** The periods done, in order; with `failure`, those before the one that failed. */
  periods: PeriodOutcome[]
  failure?: Failure
}

const RULE_LIST_LIMIT = 20

/**
 * Makes sure the periods the request asks for exist: creates each, or, with `allow_existing`, finds it.
 * Every request counts against the app's rate limit, shared with its other tools: the rule is fetched only when
 * a month must be computed or explained, and the list only when a period exists (or in a dry run).
 */
export async function openPeriods(okr: OkrApi, request: OpenRequest, today: Date): Promise<Opening> {
  const opener = new Opener(okr, request)
  const first = await opener.firstMonth(today)
  const step = request.count > 1 ? (await opener.fetchRule()).length : 0
  const periods: PeriodOutcome[] = []
  for (let index = 0; index < request.count; index++) {
    const start = first + index * step
    try {
      periods.push(await opener.open(start))
    } catch (error) {
      if (!isFailure(error)) throw error
      return { periods, failure: request.count === 1 ? error : partway(error, periods, index, request.count, start) }
    }
  }
  return { periods }
}

class Opener {
  rule: PeriodRule | undefined

  constructor(
    private readonly okr: OkrApi,
    private readonly request: OpenRequest,
  ) {}

  async firstMonth(today: Date): Promise<Month> {
    const { start, periodRuleId, timeZone } = this.request
    if ('month' in start) return start.month
    const rule = await this.fetchRule()
    const thisMonth = monthAt(today, timeZone)
    const holdingToday = periodStartHolding(rule, thisMonth)
    const month = start.relative === 'current' ? holdingToday : holdingToday + rule.length
    core.info(
      `start_month '${start.relative}' is ${formatMonth(month)}: rule ${periodRuleId} is ${describeRule(rule)}, and today is in ${formatMonth(thisMonth)} in ${timeZone}.`,
    )
    return month
  }

  async open(start: Month): Promise<PeriodOutcome> {
    if (this.request.dryRun) return this.dryRun(start)
    core.info(
      `Creating the OKR period that starts ${formatMonth(start)}, under period rule ${this.request.periodRuleId}.`,
    )
    let created
    try {
      created = await this.okr.createPeriod(this.request.periodRuleId, start)
    } catch (error) {
      if (!isFailure(error)) throw error
      if (error.kind !== 'refused' && error.fields.unanswered) return this.unanswered(error, start)
      if (isRefusal(error, OKR_CODES.periodExists)) return this.existing(error, start)
      if (isRefusal(error, OKR_CODES.monthDoesNotFitRule)) throw await this.explainMismatch(error, start)
      if (isRefusal(error, OKR_CODES.ruleNotFound)) throw await this.explainUnknownRule(error)
      throw error
    }
    const id = usableId(created.id, 'Feishu created the period')
    const endMonth = created.endMonth ?? (this.rule && periodEnd(this.rule, start))
    core.info(`Created OKR period ${id || '(no id)'} (${formatMonth(start)} to ${formatOptionalMonth(endMonth)}).`)
    return { id, startMonth: start, endMonth, result: 'created' }
  }

  /** What a real run would do, told from the list: create the period, find it, or fail as 1001008 would. */
  private async dryRun(start: Month): Promise<PeriodOutcome> {
    const rule = await this.fetchRule()
    if (!startsPeriod(rule, start)) throw new Failure({ kind: 'rule', detail: doesNotFit(rule, start) })
    const end = periodEnd(rule, start)
    const { exact, others } = matches(await this.okr.listPeriods(), start, end)
    if (exact) {
      if (!this.request.allowExisting) throw existsFailure(start, exact)
      const id = usableId(exact.id, 'The list of periods names it')
      core.info(
        `Dry run: the OKR period ${formatMonth(start)} to ${formatMonth(end)} exists already (${id || 'no id'}).`,
      )
      return { id, startMonth: start, endMonth: end, result: 'existed' }
    }
    if (others.length) {
      core.warning(
        `Dry run: ${describePeriods(others)} overlaps the period ${formatMonth(start)} to ${formatMonth(end)}; Feishu may refuse to create it (code 1001008) if it does not let periods of different rules overlap.`,
      )
    }
    core.info(`Dry run: would create the OKR period ${formatMonth(start)} to ${formatMonth(end)}; nothing was created.`)
    return { id: '', startMonth: start, endMonth: end, result: 'would create' }
  }

  /**
   * The create's last attempt got no answer but may have reached Feishu. With `allow_existing`, the period found
   * in the list is the outcome; otherwise the failure says that the period may exist now.
   */
  private async unanswered(error: Failure, start: Month): Promise<PeriodOutcome> {
    if (this.request.allowExisting) {
      const found = await this.lookUp(start, true).catch(() => undefined)
      if (found?.exact) {
        const id = usableId(found.exact.id, 'The list of periods names it')
        core.info(
          `The create got no answer, but the period is there: ${id || '(no id)'} (${formatMonth(start)} to ${formatMonth(found.end)}).`,
        )
        return { id, startMonth: start, endMonth: found.end, result: 'existed' }
      }
    }
    const then = this.request.allowExisting
      ? 'it is not in the list yet, so re-run the job'
      : 're-run with allow_existing: true to find it'
    throw error.withHint(`The request may have reached Feishu, so the period may exist now: ${then}.`)
  }

  /** 1001008: with `allow_existing`, success when the period found is exactly the one asked for. */
  private async existing(error: Failure, start: Month): Promise<PeriodOutcome> {
    const lost = error.fields.unanswered === true
    if (!this.request.allowExisting) {
      if (!lost) {
        throw error.withHint(
          `The period starting ${formatMonth(start)} exists already; set allow_existing: true to accept an existing period as success.`,
        )
      }
      const found = await this.lookUp(start, true).catch(() => undefined)
      const id = found?.exact?.id
      throw error.withHint(
        `An earlier attempt of this same run, whose answer was lost, may have created it${id ? ` (period_id ${id})` : ''}. Set allow_existing: true to accept an existing period as success.`,
      )
    }

    core.info(
      `A period for ${formatMonth(start)} exists already (code 1001008); allow_existing is true, so looking it up.`,
    )
    if (lost) core.info('An earlier attempt of this run, whose answer was lost, has probably created it.')
    let found
    try {
      found = await this.lookUp(start, lost)
    } catch (listError) {
      // The period exists, which is what allow_existing asks for; only its description is missing.
      return this.unidentified(start, `listing the periods failed: ${describeFailure(listError)}`)
    }
    if (found.exact) {
      const id = usableId(found.exact.id, 'The list of periods names it')
      warnIfRetired(found.exact, id)
      core.info(`Found the existing period ${id || '(no id)'} (${formatMonth(start)} to ${formatMonth(found.end)}).`)
      return { id, startMonth: start, endMonth: found.end, result: 'existed' }
    }
    if (found.others.length) {
      throw error.withHint(
        `The period asked for (${formatMonth(start)} to ${formatOptionalMonth(found.end)}, rule ${this.request.periodRuleId}) does not exist and cannot be created: ${describePeriods(found.others)} occupies that time.`,
      )
    }
    return this.unidentified(start, 'none of the listed periods could be matched to it.')
  }

  private unidentified(start: Month, why: string): PeriodOutcome {
    core.warning(
      `A period for ${formatMonth(start)} exists already (code 1001008), so the step succeeds, but the period_id output is empty: ${why}`,
    )
    return { id: '', startMonth: start, endMonth: this.rule && periodEnd(this.rule, start), result: 'existed' }
  }

  /**
   * The listed period that is exactly the one asked for (same start and end month), and the others that overlap
   * it. The rule, which says where the period ends, is fetched only when the list gives times to compare with.
   */
  private async lookUp(start: Month, fresh: boolean): Promise<Lookup> {
    const periods = await this.okr.listPeriods(fresh)
    if (!periods.some(p => p.startMonth !== undefined) && !this.rule) return { others: [] }
    const end = periodEnd(await this.fetchRule(), start)
    return { ...matches(periods, start, end), end }
  }

  async fetchRule(): Promise<PeriodRule> {
    if (this.rule) return this.rule
    const { periodRuleId } = this.request
    const rules = await this.okr.listRules()
    const rule = rules.find(candidate => candidate.id === periodRuleId)
    if (!rule) {
      throw new Failure({
        kind: 'rule',
        detail: `No period rule has the id ${periodRuleId} in this tenant (input 'period_rule_id'). ${listRules(rules)}`,
      })
    }
    if (!isWholeNumber(rule.length, 1, MAX_RULE_LENGTH) || !isWholeNumber(rule.firstMonth, 1, 12)) {
      throw new Failure({
        kind: 'rule',
        detail: `Period rule ${periodRuleId} has length ${rule.length} and first month ${rule.firstMonth}, from which no start month can be computed.`,
      })
    }
    this.rule = rule
    return rule
  }

  /** Adds to a failure the fact that explains it, when one more request can find it; else leaves it as it is. */
  private async explainMismatch(error: Failure, start: Month): Promise<Failure> {
    try {
      const rule = await this.fetchRule()
      return startsPeriod(rule, start) ? error : error.withHint(doesNotFit(rule, start))
    } catch {
      return error
    }
  }

  private async explainUnknownRule(error: Failure): Promise<Failure> {
    try {
      return error.withHint(listRules(await this.okr.listRules()))
    } catch {
      return error
    }
  }
}

/** What the list says of a month: the period exactly asked for (ending in `end`), and others that overlap it. */
type Lookup =
  | { exact?: undefined; others: ListedPeriod[]; end?: Month }
  | { exact: ListedPeriod; others: ListedPeriod[]; end: Month }

/** The period exactly asked for, and the others that overlap its months, among those whose times are known. */
function matches(periods: ListedPeriod[], start: Month, end: Month): { exact?: ListedPeriod; others: ListedPeriod[] } {
  const known = periods.filter(p => p.startMonth !== undefined && p.endMonth !== undefined)
  const exact = known.find(p => p.startMonth === start && p.endMonth === end)
  const others = known.filter(p => p !== exact && p.startMonth! <= end && p.endMonth! >= start)
  return { exact, others }
}

/** 1001008 as a dry run foresees it: the same message as the real run's, without Feishu's own words. */
function existsFailure(start: Month, period: ListedPeriod): Failure {
  return new Failure({
    kind: 'conflict',
    operation: 'Creating the OKR period (dry run)',
    detail: `${describePeriods([period])} exists already, so Feishu would answer code ${OKR_CODES.periodExists}`,
    hints: [
      `The period starting ${formatMonth(start)} exists already; set allow_existing: true to accept an existing period as success.`,
    ],
  })
}

/** Says so when the period found is hidden or marked invalid: it exists, but members may not see or use it. */
function warnIfRetired(period: ListedPeriod, id: string): void {
  if (period.status !== 2 && period.status !== 3) return
  core.warning(
    `The existing period ${id || '(no usable id)'} is ${STATUS_NAMES[period.status]} in Feishu; set it back to normal in the OKR admin console if it is to be used.`,
  )
}

/** `id`, or empty with a warning when Feishu's answer gave none that is usable. */
function usableId(id: string | undefined, what: string): string {
  if (id !== undefined) return id
  core.warning(
    `${what}, but Feishu's answer had no usable period_id (a string of digits), so the period_id output is empty.`,
  )
  return ''
}

function describePeriods(periods: ListedPeriod[]): string {
  const described = periods.map(
    p =>
      `period ${p.id ?? '(no usable id)'} (${formatOptionalMonth(p.startMonth)} to ${formatOptionalMonth(p.endMonth)})`,
  )
  return described.join(' and ')
}

/** A failure part-way through `count` periods: which are done, and how to finish. */
function partway(cause: Failure, done: PeriodOutcome[], index: number, count: number, start: Month): Failure {
  const list = done.map(p => `${formatMonth(p.startMonth)} (${p.result}${p.id ? `, ${p.id}` : ''})`).join(', ')
  return new Failure({
    kind: 'partial',
    detail: `Period ${index + 1} of ${count} (starting ${formatMonth(start)}) failed`,
    cause,
    hints: [
      done.length ? `Done before it: ${list}.` : 'No period was opened.',
      'Re-run with allow_existing: true to complete the rest; the periods that exist are found, not created again.',
    ],
  })
}

function isWholeNumber(value: number, least: number, most: number): boolean {
  return Number.isInteger(value) && value >= least && value <= most
}

function listRules(rules: PeriodRule[]): string {
  if (rules.length === 0) return 'The tenant has no period rules; an OKR admin sets them up in the OKR admin console.'
  const lines = rules
    .slice(0, RULE_LIST_LIMIT)
    .map(
      rule =>
        `${rule.id} (type ${rule.type}, length ${rule.length}, first month ${rule.firstMonth}: ${describeRule(rule)})`,
    )
  const more = rules.length > RULE_LIST_LIMIT ? `; and ${rules.length - RULE_LIST_LIMIT} more` : ''
  return `The tenant's period rules: ${lines.join('; ')}${more}.`
}

function doesNotFit(rule: PeriodRule, start: Month): string {
  const doesNot = `${formatMonth(start)} does not start a period of rule ${rule.id}: ${describeRule(rule)}`
  // Where periods do not tile the years, which months start one is the platform's guess as much as ours.
  if (12 % rule.length !== 0 && rule.length % 12 !== 0) return `${doesNot}.`
  const [before, after] = neighbouringStarts(rule, start)
  return `${doesNot}; try ${formatMonth(before)} or ${formatMonth(after)}.`
}
