import { describe, expect, it } from '@jest/globals'
import { describeFailure } from '../../src/feishu/errors.js'
import { formatMonth } from '../../src/okr/months.js'
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
    const retiring = await retirePeriods(okr, request(), today, new Set())

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
    const retiring = await retirePeriods(okr, request({ afterMonths, mode: 'invalid' }), today, new Set())
    expect(retiring.periods.map(p => [p.id, p.status])).toEqual(ids.map(id => [id, 2]))
  })

  it('never touches a period this run opened', async () => {
    const { okr } = fakeOkr({ periods: tenant() })
    const retiring = await retirePeriods(okr, request(), today, new Set(['2']))
    expect(retiring.periods.map(p => p.id)).toEqual(['1', '3'])
  })

  it('changes nothing in a dry run, and lists what it would change', async () => {
    const { okr, calls } = fakeOkr({ periods: tenant() })
    const retiring = await retirePeriods(okr, request({ dryRun: true }), today, new Set())
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
    const failed = await retirePeriods(first.okr, request(), today, new Set())
    expect(failed.periods.map(p => p.id)).toEqual(['1'])
    expect(describeFailure(failed.failure)).toMatch(
      /^Could not hide OKR period 2 \(2027-01 to 2027-03\): .* Changed before it: 1\. Not changed: 2, 3\. A re-run finishes the job/,
    )

    const again = await retirePeriods(fakeOkr({ periods }).okr, request(), today, new Set())
    expect(again.periods.map(p => p.id)).toEqual(['2', '3'])
  })
})
