import * as core from '@actions/core'
import { ActionError, describeFailure } from './errors.js'
import type { FeishuClient } from './feishu/client.js'
import { CODES, CREATING_PERIOD, FeishuError, TransportError } from './feishu/errors.js'
import type { Settings } from './inputs.js'
import { record } from './json.js'
import {
  type Month,
  type PeriodRule,
  describeRule,
  formatMonth,
  formatOptionalMonth,
  monthAt,
  monthOfPeriodEnd,
  monthOfPeriodStart,
  neighbouringStarts,
  parseMonth,
  periodEnd,
  periodStartHolding,
  startsPeriod,
} from './months.js'

export interface Period {
  /** Empty in a dry run, and when Feishu's answers do not say which period it is (a warning says so). */
  id: string
  startMonth: Month
  /** Unknown only when an existing period could not be identified and the rule was not fetched. */
  endMonth: Month | undefined
}

/** A period as the list describes it, whose months are both known. */
type ListedPeriod = Period & { endMonth: Month }

export interface Outcome extends Period {
  created: boolean
  dryRun: boolean
}

const PERIODS_PATH = '/open-apis/okr/v1/periods'
const RULES_PATH = '/open-apis/okr/v1/period_rules'
/** Periods per page of the list; more than a tenant makes in years, so one page is the usual case. */
const PAGE_SIZE = 100
/** A guard against a server that keeps saying `has_more`. */
const MAX_PAGES = 50

/**
 * Opens the period the settings ask for, or, with `allow_existing`, reports the one that already exists.
 * Every request counts against the app's rate limit, shared with its other tools: the rule is fetched only
 * when a month must be computed or explained, and the list only when the period exists.
 */
export async function openPeriod(client: FeishuClient, settings: Settings, today: Date): Promise<Outcome> {
  const { periodRuleId } = settings
  let rule: PeriodRule | undefined
  let start: Month
  if ('relative' in settings.startMonth) {
    rule = await fetchRule(client, periodRuleId)
    const thisMonth = monthAt(today, settings.timeZone)
    const holdingToday = periodStartHolding(rule, thisMonth)
    start = settings.startMonth.relative === 'current' ? holdingToday : holdingToday + rule.length
    core.info(
      `start_month '${settings.startMonth.relative}' is ${formatMonth(start)}: rule ${periodRuleId} is ${describeRule(rule)}, and today is in ${formatMonth(thisMonth)} in ${settings.timeZone}.`,
    )
  } else {
    start = settings.startMonth.month
  }

  if (settings.dryRun) {
    rule ??= await fetchRule(client, periodRuleId)
    if (!startsPeriod(rule, start)) throw new ActionError(doesNotFit(rule, start))
    const endMonth = periodEnd(rule, start)
    core.info(
      `Dry run: would create the OKR period ${formatMonth(start)} to ${formatMonth(endMonth)}; nothing was created.`,
    )
    return { id: '', startMonth: start, endMonth, created: false, dryRun: true }
  }

  core.info(`Creating the OKR period that starts ${formatMonth(start)}, under period rule ${periodRuleId}.`)
  try {
    const period = await createPeriod(client, periodRuleId, start)
    core.info(
      `Created OKR period ${period.id} (${formatMonth(period.startMonth)} to ${formatOptionalMonth(period.endMonth)}).`,
    )
    return { ...period, created: true, dryRun: false }
  } catch (error) {
    if (error instanceof TransportError && error.operation === CREATING_PERIOD && error.mayHaveArrived) {
      return unansweredCreate(client, settings, error, start)
    }
    if (!(error instanceof FeishuError)) throw error
    if (error.code === CODES.periodExists) return existingPeriod(client, settings, error, start, rule)
    if (error.code === CODES.monthDoesNotFitRule) throw await explainMismatch(client, error, periodRuleId, start, rule)
    if (error.code === CODES.ruleNotFound) throw await explainUnknownRule(client, error)
    throw error
  }
}

async function createPeriod(client: FeishuClient, periodRuleId: string, start: Month): Promise<Period> {
  const data = record(
    await client.call(CREATING_PERIOD, 'POST', PERIODS_PATH, {
      period_rule_id: periodRuleId,
      start_month: formatMonth(start),
    }),
  )
  const id = idOf(data.period_id)
  if (id === undefined)
    core.warning('Feishu created the period but answered without a usable period_id, so the period_id output is empty.')
  const startMonth = parseMonth(String(data.start_month)) ?? start
  return { id: id ?? '', startMonth, endMonth: parseMonth(String(data.end_month)) }
}

/**
 * The create's last attempt got no answer but may have reached Feishu. With `allow_existing`, a period found
 * in the list is the outcome; otherwise the failure says that the period may exist now.
 */
async function unansweredCreate(
  client: FeishuClient,
  settings: Settings,
  error: TransportError,
  start: Month,
): Promise<Outcome> {
  if (settings.allowExisting) {
    const found = await findPeriod(client, start).catch(() => undefined)
    if (found) {
      core.info(
        `The create got no answer, but the period is there: ${found.id} (${formatMonth(found.startMonth)} to ${formatMonth(found.endMonth)}).`,
      )
      return { ...found, created: false, dryRun: false }
    }
  }
  const then = settings.allowExisting
    ? 'it is not in the list yet, so re-run the job'
    : 're-run with allow_existing: true to find it'
  throw error.with({ hint: `The request may have reached Feishu, so the period may exist now: ${then}.` })
}

/** 1001008: success with `allow_existing`, described by the period found in the list. */
async function existingPeriod(
  client: FeishuClient,
  settings: Settings,
  error: FeishuError,
  start: Month,
  rule: PeriodRule | undefined,
): Promise<Outcome> {
  if (!settings.allowExisting) {
    if (!error.details.earlierAnswerLost) {
      throw error.with({
        hint: `The period starting ${formatMonth(start)} exists already; set allow_existing: true to accept an existing period as success.`,
      })
    }
    const found = await findPeriod(client, start).catch(() => undefined)
    const which = found?.id ? ` (period_id ${found.id})` : ''
    throw error.with({
      hint: `An earlier attempt of this same run, whose answer was lost, may have created it${which}. Set allow_existing: true to accept an existing period as success.`,
    })
  }

  core.info(
    `A period for ${formatMonth(start)} exists already (code 1001008); allow_existing is true, so looking it up.`,
  )
  if (error.details.earlierAnswerLost)
    core.info('An earlier attempt of this run, whose answer was lost, has probably created it.')
  let found: Period | undefined
  let why = 'none of the listed periods could be matched to it'
  try {
    found = await findPeriod(client, start)
  } catch (listError) {
    // The period exists, which is what allow_existing asks for; only its description is missing.
    why = `listing the periods failed: ${describeFailure(listError)}`
  }
  if (found) {
    core.info(
      `Found the existing period ${found.id} (${formatMonth(found.startMonth)} to ${formatOptionalMonth(found.endMonth)}).`,
    )
    return { ...found, created: false, dryRun: false }
  }
  core.warning(
    `A period for ${formatMonth(start)} exists already (code 1001008), so the step succeeds, but the period_id output is empty: ${why}`,
  )
  return { id: '', startMonth: start, endMonth: rule && periodEnd(rule, start), created: false, dryRun: false }
}

/**
 * The period that starts on `start`, or else the one that holds it, following every page of the list.
 * Periods are told apart by their start and end times, so a list without them identifies nothing.
 */
async function findPeriod(client: FeishuClient, start: Month): Promise<ListedPeriod | undefined> {
  let holding: ListedPeriod | undefined
  let pageToken: string | undefined
  for (let page = 1; page <= MAX_PAGES; page++) {
    const query = new URLSearchParams({ page_size: String(PAGE_SIZE) })
    if (pageToken) query.set('page_token', pageToken)
    const data = record(await client.call('Listing OKR periods', 'GET', `${PERIODS_PATH}?${query.toString()}`))
    for (const period of (Array.isArray(data.items) ? data.items : []).map(toPeriod)) {
      if (period === undefined) continue
      if (period.startMonth === start) return period
      if (period.startMonth < start && start <= period.endMonth) holding ??= period
    }
    const next = typeof data.page_token === 'string' ? data.page_token : ''
    if (data.has_more !== true || next === '' || next === pageToken) break
    pageToken = next
  }
  return holding
}

function toPeriod(item: unknown): ListedPeriod | undefined {
  const { id: rawId, period_start_time: startTime, period_end_time: endTime } = record(item)
  const id = idOf(rawId)
  const startMs = Number(startTime)
  const endMs = Number(endTime)
  if (id === undefined || !startTime || !endTime || !Number.isFinite(startMs) || !Number.isFinite(endMs))
    return undefined
  return { id, startMonth: monthOfPeriodStart(startMs), endMonth: monthOfPeriodEnd(endMs) }
}

/**
 * Feishu's ids are strings of digits. A number would have lost its last digits to JSON.parse if it is
 * larger than 2^53, so it is trusted only when it is exact.
 */
function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  return Number.isSafeInteger(value) ? String(value) : undefined
}

async function fetchRules(client: FeishuClient): Promise<PeriodRule[]> {
  const data = record(await client.call('Listing period rules', 'GET', RULES_PATH))
  return (Array.isArray(data.period_rules) ? data.period_rules : []).flatMap(item => {
    const { period_rule_id: id, type, length, first_month: firstMonth } = record(item)
    return typeof id === 'string'
      ? [{ id, type: String(type), length: Number(length), firstMonth: Number(firstMonth) }]
      : []
  })
}

/** The rule, if the tenant has it and its months can be computed. */
async function fetchRule(client: FeishuClient, periodRuleId: string): Promise<PeriodRule> {
  const rules = await fetchRules(client)
  const rule = rules.find(candidate => candidate.id === periodRuleId)
  if (!rule)
    throw new ActionError(
      `No period rule has the id ${periodRuleId} in this tenant (input 'period_rule_id'). ${listRules(rules)}`,
    )
  if (!isWholeNumber(rule.length, 1, 120) || !isWholeNumber(rule.firstMonth, 1, 12)) {
    throw new ActionError(
      `Period rule ${periodRuleId} has length ${rule.length} and first month ${rule.firstMonth}, from which no start month can be computed.`,
    )
  }
  return rule
}

function isWholeNumber(value: number, least: number, most: number): boolean {
  return Number.isInteger(value) && value >= least && value <= most
}

function listRules(rules: PeriodRule[]): string {
  if (rules.length === 0) return 'The tenant has no period rules; an OKR admin sets them up in the OKR admin console.'
  const lines = rules.map(
    rule =>
      `${rule.id} (type ${rule.type}, length ${rule.length}, first month ${rule.firstMonth}: ${describeRule(rule)})`,
  )
  return `The tenant's period rules: ${lines.join('; ')}.`
}

function doesNotFit(rule: PeriodRule, start: Month): string {
  const doesNot = `${formatMonth(start)} does not start a period of rule ${rule.id}: ${describeRule(rule)}`
  // Where periods do not tile the years, which months start one is the platform's guess as much as ours.
  if (12 % rule.length !== 0 && rule.length % 12 !== 0) return `${doesNot}.`
  const [before, after] = neighbouringStarts(rule, start)
  return `${doesNot}; try ${formatMonth(before)} or ${formatMonth(after)}.`
}

/** Adds to a failure the fact that explains it, when one more request can find it; else leaves it as it is. */
async function explainMismatch(
  client: FeishuClient,
  error: FeishuError,
  periodRuleId: string,
  start: Month,
  known: PeriodRule | undefined,
): Promise<FeishuError> {
  try {
    const rule = known ?? (await fetchRule(client, periodRuleId))
    return startsPeriod(rule, start) ? error : error.with({ hint: doesNotFit(rule, start) })
  } catch {
    return error
  }
}

async function explainUnknownRule(client: FeishuClient, error: FeishuError): Promise<FeishuError> {
  try {
    return error.with({ hint: listRules(await fetchRules(client)) })
  } catch {
    return error
  }
}
