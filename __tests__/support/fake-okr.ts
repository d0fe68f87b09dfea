/** An in-process stand-in for the Feishu client, for testing the OKR logic without HTTP. */
import type { Call } from '../../src/feishu/client.js'
import { Failure } from '../../src/feishu/errors.js'
import { OkrApi } from '../../src/okr/api.js'
import { formatMonth, parseMonth } from '../../src/okr/months.js'

export interface FakePeriod {
  id: string
  start: string
  end: string
  status?: number
  /** false: listed without its times. */
  times?: boolean
}

export interface FakeTenant {
  rules?: { period_rule_id: string; type: string; length: number; first_month: number }[]
  periods?: FakePeriod[]
  /** Answers by call, "METHOD /path", tried before the tenant's own behaviour. */
  refuse?: (call: Call, index: number) => Failure | undefined
}

export const QUARTERLY_RULE = { period_rule_id: '101', type: 'month', length: 3, first_month: 1 }
export const YEARLY_RULE = { period_rule_id: '102', type: 'year', length: 12, first_month: 1 }

/** A tenant where any overlap conflicts, and the calls made, as "METHOD /path". */
export function fakeOkr(tenant: FakeTenant = {}): { okr: OkrApi; calls: string[]; periods: FakePeriod[] } {
  const rules = tenant.rules ?? [QUARTERLY_RULE, YEARLY_RULE]
  const periods = [...(tenant.periods ?? [])]
  const calls: string[] = []
  let nextId = 7000000100
  const client = {
    call(call: Call): Promise<Record<string, unknown>> {
      const key = `${call.method} ${call.path.replace(/\?.*$/, '')}`
      calls.push(key)
      const refused = tenant.refuse?.(call, calls.length - 1)
      if (refused) return Promise.reject(refused)
      return Promise.resolve(answer(call, key))
    },
  }

  function answer(call: Call, key: string): Record<string, unknown> {
    const body = (call.body ?? {}) as Record<string, unknown>
    if (key === 'GET /open-apis/okr/v1/period_rules') return { period_rules: rules }
    if (key === 'GET /open-apis/okr/v1/periods') {
      return { has_more: false, items: periods.map(listed) }
    }
    if (key === 'POST /open-apis/okr/v1/periods') {
      const rule = rules.find(r => r.period_rule_id === body.period_rule_id)!
      const start = month(body.start_month as string)
      const end = start + rule.length - 1
      if (periods.some(p => month(p.start) <= end && month(p.end) >= start)) throw refusal(1001008)
      const period = { id: String(nextId++), start: text(start), end: text(end) }
      periods.push(period)
      return { period_id: period.id, start_month: period.start, end_month: period.end }
    }
    const patch = /^PATCH \/open-apis\/okr\/v1\/periods\/(\d+)$/.exec(key)
    if (patch) {
      const period = periods.find(p => p.id === patch[1])
      if (!period) throw refusal(1001004)
      period.status = body.status as number
      return { period_id: period.id, status: period.status }
    }
    throw new Error(`fake OKR: no route for ${key}`)
  }

  return { okr: new OkrApi(client), calls, periods }
}

export function refusal(code: number): Failure {
  return new Failure({ kind: 'refused', operation: 'A call', status: 400, code, msg: `code ${code}` })
}

function listed(period: FakePeriod): Record<string, unknown> {
  const times =
    period.times === false
      ? {}
      : {
          period_start_time: String(chinaMidnight(month(period.start), 1)),
          period_end_time: String(chinaMidnight(month(period.end) + 1, 0)),
        }
  return {
    id: period.id,
    zh_name: `${period.start} - ${period.end}`,
    en_name: `${period.start} - ${period.end}`,
    status: period.status ?? 0,
    ...times,
  }
}

const month = (value: string): number => parseMonth(value)!
const text = formatMonth

function chinaMidnight(monthIndex: number, day: number): number {
  return Date.UTC(Math.floor(monthIndex / 12), monthIndex % 12, day) - 8 * 3600 * 1000
}
