import { describe, expect, it } from '@jest/globals'
import { describeFailure } from '../../src/feishu/errors.js'
import { parseMonth } from '../../src/okr/months.js'
import { type OpenRequest, openPeriods } from '../../src/okr/open.js'
import { QUARTERLY_RULE, YEARLY_RULE, fakeOkr, refusal } from '../support/fake-okr.js'
import { captureStdout } from '../support/stdout.js'

const today = new Date('2027-03-17T01:00:00Z')
const request = (more: Partial<OpenRequest> = {}): OpenRequest => ({
  periodRuleId: QUARTERLY_RULE.period_rule_id,
  start: { month: parseMonth('2027-01')! },
  count: 1,
  allowExisting: false,
  dryRun: false,
  timeZone: 'Asia/Shanghai',
  ...more,
})
const months = (periods: { startMonth: number; endMonth: number | undefined }[]): string[][] =>
  periods.map(p => [p.startMonth, p.endMonth ?? NaN].map(m => `${Math.floor(m / 12)}-${(m % 12) + 1}`))

const stdout = captureStdout()
const warnings = (): string[] => stdout.lines().filter(line => line.startsWith('::warning::'))

describe('count', () => {
  it('creates count consecutive periods, fetching the rule once', async () => {
    const { okr, calls } = fakeOkr()
    const opening = await openPeriods(okr, request({ count: 4, start: { relative: 'next' } }), today)

    expect(opening.failure).toBeUndefined()
    expect(months(opening.periods)).toEqual([
      ['2027-4', '2027-6'],
      ['2027-7', '2027-9'],
      ['2027-10', '2027-12'],
      ['2028-1', '2028-3'],
    ])
    expect(opening.periods.every(p => p.result === 'created' && /^\d+$/.test(p.id))).toBe(true)
    expect(calls.filter(call => call.includes('period_rules'))).toHaveLength(1)
  })

  it('stops at the first refusal, keeping what was done, and says how to finish', async () => {
    const { okr } = fakeOkr({
      refuse: (call, index) => (call.method === 'POST' && index === 3 ? refusal(1001001) : undefined),
    })
    const opening = await openPeriods(okr, request({ count: 4 }), today)

    expect(opening.periods).toHaveLength(2)
    expect(describeFailure(opening.failure)).toMatch(
      /^Period 3 of 4 \(starting 2027-07\) failed: A call failed: Feishu answered code 1001001 .*Done before it: 2027-01 \(created, \d+\), 2027-04 \(created, \d+\)\. Re-run with allow_existing: true to complete the rest/,
    )
  })

  it('finds the periods that exist with allow_existing, and creates the rest', async () => {
    const { okr, calls } = fakeOkr({ periods: [{ id: '42', start: '2027-04', end: '2027-06' }] })
    const opening = await openPeriods(okr, request({ count: 3, allowExisting: true }), today)

    expect(opening.periods.map(p => [p.result, p.id === '42'])).toEqual([
      ['created', false],
      ['existed', true],
      ['created', false],
    ])
    expect(calls.filter(call => call === 'GET /open-apis/okr/v1/periods')).toHaveLength(1)
  })
})

describe('the right period', () => {
  const coexisting = [
    { id: '11', start: '2027-01', end: '2027-03' },
    { id: '12', start: '2027-01', end: '2027-12' },
  ]

  it('reports the period whose start and end are the ones the rule gives, never another that starts the same month', async () => {
    const yearly = await openPeriods(
      fakeOkr({ periods: coexisting }).okr,
      request({ periodRuleId: YEARLY_RULE.period_rule_id, allowExisting: true }),
      today,
    )
    expect(yearly.periods.map(p => p.id)).toEqual(['12'])

    const quarterly = await openPeriods(fakeOkr({ periods: coexisting }).okr, request({ allowExisting: true }), today)
    expect(quarterly.periods.map(p => p.id)).toEqual(['11'])
  })

  it('fails, naming it, when another period occupies the time', async () => {
    const { okr } = fakeOkr({ periods: [coexisting[0]] })
    const opening = await openPeriods(
      okr,
      request({ periodRuleId: YEARLY_RULE.period_rule_id, allowExisting: true }),
      today,
    )

    expect(opening.periods).toEqual([])
    expect(describeFailure(opening.failure)).toContain(
      'The period asked for (2027-01 to 2027-12, rule 102) does not exist and cannot be created: period 11 (2027-01 to 2027-03) occupies that time.',
    )
  })

  it('succeeds with an empty id and a warning when the list gives no times to match on', async () => {
    const { okr } = fakeOkr({ periods: [{ id: '11', start: '2027-01', end: '2027-03', times: false }] })
    const opening = await openPeriods(okr, request({ allowExisting: true }), today)

    expect(opening.periods).toMatchObject([{ id: '', result: 'existed' }])
    expect(warnings()).toEqual([expect.stringContaining('the period_id output is empty')])
  })
})

describe('a rule whose fields are not numbers', () => {
  it('is refused, not read as a rule of one month', async () => {
    const odd = { period_rule_id: '103', type: 'month', length: true, first_month: [1] }
    const { okr } = fakeOkr({ rules: [odd as unknown as typeof QUARTERLY_RULE] })
    const failure = await openPeriods(okr, request({ periodRuleId: '103', count: 2 }), today).catch(
      (error: unknown) => error,
    )
    expect(describeFailure(failure)).toBe(
      'Period rule 103 has length NaN and first month NaN, from which no start month can be computed.',
    )
  })
})

describe('dry run', () => {
  const existing = [{ id: '11', start: '2027-01', end: '2027-03' }]

  it('would create a period that is not there, and creates nothing', async () => {
    const { okr, periods } = fakeOkr()
    const opening = await openPeriods(okr, request({ dryRun: true, count: 2 }), today)

    expect(opening.periods.map(p => [p.id, p.result])).toEqual([
      ['', 'would create'],
      ['', 'would create'],
    ])
    expect(periods).toEqual([])
  })

  it('finds an existing period with allow_existing, with its id', async () => {
    const opening = await openPeriods(
      fakeOkr({ periods: existing }).okr,
      request({ dryRun: true, allowExisting: true }),
      today,
    )
    expect(opening.periods).toMatchObject([{ id: '11', result: 'existed' }])
  })

  it('fails as 1001008 would without allow_existing, with the same advice', async () => {
    const opening = await openPeriods(fakeOkr({ periods: existing }).okr, request({ dryRun: true }), today)
    expect(describeFailure(opening.failure)).toBe(
      'Creating the OKR period (dry run) failed: period 11 (2027-01 to 2027-03) exists already, so Feishu would answer code 1001008. ' +
        'The period starting 2027-01 exists already; set allow_existing: true to accept an existing period as success.',
    )
  })

  it('refuses a month that does not start a period of the rule', async () => {
    const opening = await openPeriods(
      fakeOkr().okr,
      request({ dryRun: true, start: { month: parseMonth('2027-02')! } }),
      today,
    )
    expect(describeFailure(opening.failure)).toBe(
      '2027-02 does not start a period of rule 101: quarterly from January; try 2027-01 or 2027-04.',
    )
  })
})
