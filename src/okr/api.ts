import * as core from '@actions/core'
import type { Call, FeishuClient } from '../feishu/client.js'
import { isRefusal } from '../feishu/errors.js'
import { array, record } from '../feishu/json.js'
import { clean, digitsId } from '../feishu/redact.js'
import {
  type Month,
  type PeriodRule,
  formatMonth,
  monthOfPeriodEnd,
  monthOfPeriodStart,
  parseMonth,
  MAX_RULE_LENGTH,
} from './months.js'

/**
 * The OKR endpoints this action uses, on the Feishu client: what each sends, how its answer is read (every field
 * checked, since a server can send anything), and what its codes mean to the user.
 */

export const OKR_CODES = {
  unknownError: 1009999,
  ruleNotFound: 1001004,
  periodExists: 1001008,
  monthDoesNotFitRule: 1001009,
} as const

/** 0 default (as normal), 1 normal, 2 marked invalid, 3 hidden. */
export type PeriodStatus = 0 | 1 | 2 | 3
export const STATUS_NAMES: Record<PeriodStatus, string> = { 0: 'default', 1: 'normal', 2: 'invalid', 3: 'hidden' }

export interface ListedPeriod {
  /** Undefined when the list's id is not a string of digits: such a value is never shown nor used. */
  id: string | undefined
  /** Both undefined when the list does not give the period's times. */
  startMonth: Month | undefined
  endMonth: Month | undefined
  status: PeriodStatus | undefined
}

/** The period created; it starts on the month asked for. */
export interface CreatedPeriod {
  id: string | undefined
  endMonth: Month | undefined
}

const PERIODS_PATH = '/open-apis/okr/v1/periods'
const RULES_PATH = '/open-apis/okr/v1/period_rules'
const WRITE = ['okr:okr']
const READ = ['okr:okr:readonly', 'okr:okr']
/** Periods per page of the list; more than a tenant makes in years, so one page is the usual case. */
const PAGE_SIZE = 100
/** Guards against a server that keeps saying `has_more`, or sends more periods than any tenant has. */
const MAX_PAGES = 50
const MAX_PERIODS = PAGE_SIZE * MAX_PAGES

/** What each code means to the user, whichever OKR call it answered. */
const HINTS: Record<number, string> = {
  1009999: 'Feishu had an internal error; re-run the job, and if it persists give the log id to Feishu support.',
  1001002: 'The app may not manage OKR: ask the OKR admin to give the app OKR admin access.',
  1001003: 'Feishu could not find the user the request acts for.',
  1000403: "The OKR open API needs the OKR Business edition; this tenant's OKR is the Standard edition.",
}

/** What the codes whose meaning depends on the call mean to the user of the create. */
const CREATE_HINTS: Record<number, string> = {
  ...HINTS,
  1001001: 'Check period_rule_id and start_month.',
  1001004: 'No period rule has that period_rule_id in this tenant.',
  1001008: 'A period for that time already exists.',
  1001009: "start_month must be a month on which the rule's periods start.",
}

const STATUS_HINTS: Record<number, string> = {
  ...HINTS,
  1001004: 'Feishu no longer knows this period; re-run the job to work from a fresh list.',
}

/** What the OKR API needs of the Feishu client: a call with its token, retries and envelope. */
export type Caller = Pick<FeishuClient, 'call'>

/** The OKR API of one tenant. The list of periods is kept once fetched, until a change makes it stale. */
export class OkrApi {
  private periods: ListedPeriod[] | undefined

  constructor(private readonly client: Caller) {}

  async createPeriod(periodRuleId: string, start: Month): Promise<CreatedPeriod> {
    const data = await this.call({
      operation: 'Creating the OKR period',
      method: 'POST',
      path: PERIODS_PATH,
      body: { period_rule_id: periodRuleId, start_month: formatMonth(start) },
      scopes: WRITE,
      hints: CREATE_HINTS,
    })
    this.periods = undefined
    // The period asked for starts on `start`; an answer that says otherwise is not believed.
    const end = monthField(data.end_month)
    return {
      id: digitsId(data.period_id),
      endMonth: end !== undefined && end >= start && end < start + MAX_RULE_LENGTH ? end : undefined,
    }
  }

  /** Every period of the tenant, following every page; fetched once unless `fresh`. */
  async listPeriods(fresh = false): Promise<ListedPeriod[]> {
    if (this.periods && !fresh) return this.periods
    const periods: ListedPeriod[] = []
    let pageToken: string | undefined
    for (let page = 1; page <= MAX_PAGES; page++) {
      const query = new URLSearchParams({ page_size: String(PAGE_SIZE) })
      if (pageToken) query.set('page_token', pageToken)
      const data = await this.call({
        operation: 'Listing OKR periods',
        method: 'GET',
        path: `${PERIODS_PATH}?${query.toString()}`,
        scopes: READ,
      })
      for (const item of array(data.items)) {
        if (periods.length >= MAX_PERIODS) break
        periods.push(toListedPeriod(item))
      }
      const next = typeof data.page_token === 'string' && data.page_token.length <= 1024 ? data.page_token : ''
      if (data.has_more !== true || next === '' || next === pageToken) break
      if (page === MAX_PAGES || periods.length >= MAX_PERIODS) {
        core.warning(`The list of periods goes on past ${periods.length} periods; only those were read.`)
        break
      }
      pageToken = next
    }
    this.periods = periods
    return periods
  }

  async listRules(): Promise<PeriodRule[]> {
    const data = await this.call({ operation: 'Listing period rules', method: 'GET', path: RULES_PATH, scopes: READ })
    return array(data.period_rules).flatMap(item => {
      const { period_rule_id: rawId, type, length, first_month: firstMonth } = record(item)
      const id = digitsId(rawId)
      if (id === undefined) return []
      return [
        {
          id,
          type: typeof type === 'string' ? clean(type, 20) : '?',
          // Anything but a number is no length: NaN, which the rule's checks refuse.
          length: typeof length === 'number' ? length : NaN,
          firstMonth: typeof firstMonth === 'number' ? firstMonth : NaN,
        },
      ]
    })
  }

  async setStatus(periodId: string, status: PeriodStatus): Promise<void> {
    await this.call({
      operation: `Setting the status of OKR period ${periodId}`,
      method: 'PATCH',
      path: `${PERIODS_PATH}/${periodId}`,
      body: { status },
      scopes: WRITE,
      hints: STATUS_HINTS,
    })
    this.periods = undefined
  }

  private async call({
    hints = HINTS,
    ...call
  }: Call & { hints?: Record<number, string> }): Promise<Record<string, unknown>> {
    try {
      return await this.client.call({ ...call, transientCodes: [OKR_CODES.unknownError] })
    } catch (error) {
      throw isRefusal(error) ? error.withHint(hints[error.fields.code ?? 0]) : error
    }
  }
}

function toListedPeriod(item: unknown): ListedPeriod {
  const fields = record(item)
  const start = epochMs(fields.period_start_time)
  const end = epochMs(fields.period_end_time)
  const known = start !== undefined && end !== undefined && start <= end
  const status = fields.status
  return {
    id: digitsId(fields.id),
    startMonth: known ? monthOfPeriodStart(start) : undefined,
    endMonth: known ? monthOfPeriodEnd(end) : undefined,
    status: status === 0 || status === 1 || status === 2 || status === 3 ? status : undefined,
  }
}

/** Milliseconds since the epoch, as the list gives them (a string of digits), within years 1970–9999. */
function epochMs(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value
  if (typeof text !== 'string' || !/^\d{1,15}$/.test(text)) return undefined
  const ms = Number(text)
  return ms < 253402300800000 ? ms : undefined
}

function monthField(value: unknown): Month | undefined {
  return typeof value === 'string' ? parseMonth(value) : undefined
}
