import * as core from '@actions/core'
import { Failure, isFailure } from '../feishu/errors.js'
import { type ListedPeriod, type OkrApi, type PeriodStatus, STATUS_NAMES } from './api.js'
import { type Month, formatMonth, monthAt } from './months.js'

export interface RetireRequest {
  /** hide: status 3; invalid: status 2. */
  mode: 'hide' | 'invalid'
  /** A period is retired once its last month ended at least this many whole months before the current one. */
  afterMonths: number
  dryRun: boolean
  timeZone: string
}

export interface RetiredPeriod {
  id: string
  startMonth: Month
  endMonth: Month
  /** The status it was given (or, in a dry run, would be given). */
  status: PeriodStatus
}

export interface Retiring {
  /** Those changed (in a dry run, those that would be), oldest first; with `failure`, those before it. */
  periods: RetiredPeriod[]
  failure?: Failure
}

const STATUS: Record<RetireRequest['mode'], PeriodStatus> = { hide: 3, invalid: 2 }
const CHINA_TIME = 'Asia/Shanghai'
const RERUN = 'A re-run finishes the job: the periods already changed are skipped.'

/** A period this run opened or found: never retired, known by its id or, when it has none, by its months. */
export interface OpenedPeriod {
  id: string
  startMonth: Month
  endMonth: Month | undefined
}

type DuePeriod = ListedPeriod & { id: string; startMonth: Month; endMonth: Month }

/**
 * Gives every period of the tenant that ended long enough ago, and is still normal, the status asked for. The
 * list says nothing of rules, so this covers all of the tenant's periods. Never touched: a period that has not
 * ended, one already hidden or invalid (or of a status this action does not know), one opened by this run
 * (`opened`), and one whose id or times the list does not give.
 */
export async function retirePeriods(
  okr: OkrApi,
  request: RetireRequest,
  today: Date,
  opened: readonly OpenedPeriod[],
): Promise<Retiring> {
  // Feishu's periods end in China time: a period is over only once it is over there too.
  const thisMonth = Math.min(monthAt(today, request.timeZone), monthAt(today, CHINA_TIME))
  const lastEligible = thisMonth - 1 - request.afterMonths
  const status = STATUS[request.mode]
  const verb = request.mode === 'hide' ? 'hide' : 'mark invalid'
  let listed: ListedPeriod[]
  try {
    listed = await okr.listPeriods()
  } catch (error) {
    if (!isFailure(error)) throw error
    const detail = `Could not look for periods to ${verb}, so none was changed`
    return { periods: [], failure: new Failure({ kind: 'partial', detail, cause: error, hints: [RERUN] }) }
  }
  const due = listed
    .filter((period): period is DuePeriod => isDue(period, lastEligible, opened))
    .sort((a, b) => a.startMonth - b.startMonth || a.endMonth - b.endMonth)
  if (due.length === 0) {
    core.info(`No period ended in ${formatMonth(lastEligible)} or before and is still normal: nothing to ${verb}.`)
    return { periods: [] }
  }

  const done: RetiredPeriod[] = []
  for (const [index, period] of due.entries()) {
    const retired = { id: period.id, startMonth: period.startMonth, endMonth: period.endMonth, status }
    const months = `${formatMonth(period.startMonth)} to ${formatMonth(period.endMonth)}`
    if (request.dryRun) {
      core.info(`Dry run: would ${verb} OKR period ${period.id} (${months}); nothing was changed.`)
      done.push(retired)
      continue
    }
    try {
      await okr.setStatus(period.id, status)
    } catch (error) {
      if (!isFailure(error)) throw error
      const left = due.slice(index).map(p => p.id)
      return {
        periods: done,
        failure: new Failure({
          kind: 'partial',
          detail: `Could not ${verb} OKR period ${period.id} (${months})`,
          cause: error,
          hints: [
            done.length ? `Changed before it: ${done.map(p => p.id).join(', ')}.` : 'No period was changed.',
            `Not changed: ${left.join(', ')}. ${RERUN}`,
          ],
        }),
      }
    }
    core.info(`OKR period ${period.id} (${months}) is now ${STATUS_NAMES[status]}.`)
    done.push(retired)
  }
  return { periods: done }
}

function isDue(period: ListedPeriod, lastEligible: Month, opened: readonly OpenedPeriod[]): period is DuePeriod {
  const { id, startMonth, endMonth, status } = period
  if (id === undefined || startMonth === undefined || endMonth === undefined) return false
  const ours = opened.some(p => p.id === id || (p.startMonth === startMonth && p.endMonth === endMonth))
  return (status === 0 || status === 1) && endMonth <= lastEligible && !ours
}
