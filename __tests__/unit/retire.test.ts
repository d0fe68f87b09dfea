import { describe, expect, it } from '@jest/globals'
import { describeFailure } from '../../src/feishu/errors.js'
import { formatMonth, parseMonth } from '../../src/okr/months.js'
import { type RetireRequest, retirePeriods } from '../../src/okr/retire.js'
import { type FakePeriod, fakeOkr, refusal } from '../support/fake-okr.js'
import { captureStdout } from '../support/stdout.js'

// 1 July 2027 in China: the second quarter ended last month.
const today = new Date('2027-07-01T01:00:00Z')
const request = (more: Partial<RetireRequest> = {}): RetireRequest => ({
  mode: 'hide',
  afterMonths: 0,
  dryRun: false,
  timeZone: 'Asia/Shanghai',
  ...more,
})
const tenant = (): FakePeriod[] => [
  { id: '1', start: '2026-10', end: '2026-12' },
  { id: '2', start: '2027-01', end: '2027-03', status: 1 },
  { id: '3', start: '2027-04', end: '2027-06' },
  { id: '4', start: '2027-07', end: '2027-09' },
  { id: '5', start: '2026-07', end: '2026-09', status: 3 },
  { id: '6', start: '2026-04', end: '2026-06', status: 2 },
  { id: '7', start: '2026-01', end: '2026-03', times: false },
]

captureStdout()

describe('retirePeriods', () => {
  it('retires every normal period that has ended, oldest first, and nothing else', async () => {
    const { okr, periods, calls } = fakeOkr({ periods: tenant() })
    const retiring = await retirePeriods(okr, request(), today, [])

    expect(retiring.periods.map(p => [p.id, formatMonth(p.startMonth), formatMonth(p.endMonth), p.status])).toEqual([
      ['1', '2026-10', '2026-12', 3],
      ['2', '2027-01', '2027-03', 3],
      ['3', '2027-04', '2027-06', 3],
    ])
    expect(periods.map(p => [p.id, p.status ?? 0])).toEqual([
      ['1', 3],
      ['2', 3],
      ['3', 3],
      ['4', 0],
      ['5', 3],
      ['6', 2],
      ['7', 0],
    ])
    expect(calls.filter(call => call.startsWith('PATCH'))).toHaveLength(3)
  })

  it.each([
    [0, ['1', '2', '3']],
    [3, ['1', '2']],
    [6, ['1']],
    [9, []],
  ])('after %d months, retires %j', async (afterMonths, ids) => {
    const { okr } = fakeOkr({ periods: tenant() })
    const retiring = await retirePeriods(okr, request({ afterMonths, mode: 'invalid' }), today, [])
    expect(retiring.periods.map(p => [p.id, p.status])).toEqual(ids.map(id => [id, 2]))
  })

  it('never touches a period this run opened', async () => {
    const { okr } = fakeOkr({ periods: tenant() })
    const retiring = await retirePeriods(okr, request(), today, [
      { id: '2', startMonth: parseMonth('2027-01')!, endMonth: parseMonth('2027-03')! },
    ])
    expect(retiring.periods.map(p => p.id)).toEqual(['1', '3'])
  })

  it('never touches a period of this run that has no id, known by its months', async () => {
    const { okr } = fakeOkr({ periods: tenant() })
    const opened = [{ id: '', startMonth: parseMonth('2026-10')!, endMonth: parseMonth('2026-12') }]
    const retiring = await retirePeriods(okr, request(), today, opened)
    expect(retiring.periods.map(p => p.id)).toEqual(['2', '3'])
  })

  it('counts a period as ended only once it has ended in China time too', async () => {
    const { okr } = fakeOkr({ periods: tenant() })
    // 20:00 on 30 June in China, already July in Etc/GMT-14: the second quarter is still running in Feishu.
    const lateJune = new Date('2027-06-30T12:00:00Z')
    const retiring = await retirePeriods(okr, request({ timeZone: 'Etc/GMT-14' }), lateJune, [])
    expect(retiring.periods.map(p => p.id)).toEqual(['1', '2'])
  })

  it('explains a refusal by what the call was: an unknown period, not an unknown rule', async () => {
    const { okr } = fakeOkr({
      periods: tenant(),
      refuse: call => (call.method === 'PATCH' ? refusal(1001004) : undefined),
    })
    const retiring = await retirePeriods(okr, request(), today, [])
    expect(describeFailure(retiring.failure)).toContain('Feishu no longer knows this period')
    expect(describeFailure(retiring.failure)).not.toContain('period_rule_id')
  })

  it('reports a list that fails as a failure of its own, having changed nothing', async () => {
    const { okr, calls } = fakeOkr({
      periods: tenant(),
      refuse: call => (call.method === 'GET' ? refusal(1001002) : undefined),
    })
    const retiring = await retirePeriods(okr, request(), today, [])
    expect(retiring.periods).toEqual([])
    expect(describeFailure(retiring.failure)).toMatch(
      /^Could not look for periods to hide, so none was changed: A call failed: Feishu answered code 1001002 /,
    )
    expect(calls.filter(call => call.startsWith('PATCH'))).toEqual([])
  })

  it('changes nothing in a dry run, and lists what it would change', async () => {
    const { okr, calls } = fakeOkr({ periods: tenant() })
    const retiring = await retirePeriods(okr, request({ dryRun: true }), today, [])
    expect(retiring.periods.map(p => p.id)).toEqual(['1', '2', '3'])
    expect(calls.filter(call => call.startsWith('PATCH'))).toEqual([])
  })

  it('stops at a failure, saying which were changed and which not; a re-run finishes the job', async () => {
    const periods = tenant()
    let refuseOnce = true
    const first = fakeOkr({
      periods,
      refuse: call => {
        if (call.method !== 'PATCH' || !call.path.endsWith('/2') || !refuseOnce) return undefined
        refuseOnce = false
        return refusal(1009999)
      },
    })
    const failed = await retirePeriods(first.okr, request(), today, [])
    expect(failed.periods.map(p => p.id)).toEqual(['1'])
    expect(describeFailure(failed.failure)).toMatch(
      /^Could not hide OKR period 2 \(2027-01 to 2027-03\): .* Changed before it: 1\. Not changed: 2, 3\. A re-run finishes the job/,
    )

    const again = await retirePeriods(fakeOkr({ periods }).okr, request(), today, [])
    expect(again.periods.map(p => p.id)).toEqual(['2', '3'])
  })
})
