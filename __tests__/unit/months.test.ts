import { describe, expect, it } from '@jest/globals'
import {
  type PeriodRule,
  describeRule,
  formatMonth,
  monthAt,
  monthOfPeriodEnd,
  monthOfPeriodStart,
  neighbouringStarts,
  parseMonth,
  periodEnd,
  periodStartHolding,
  startsPeriod,
} from '../../src/okr/months.js'

const quarterly: PeriodRule = { id: '1', type: 'month', length: 3, firstMonth: 1 }
const yearlyFromDecember: PeriodRule = { id: '134', type: 'year', length: 12, firstMonth: 12 }
const month = (text: string): number => parseMonth(text) as number

describe('parseMonth / formatMonth', () => {
  it.each(['2027-01', '2027-12', '1999-06', '0001-01'])('round-trips %s', text => {
    expect(formatMonth(month(text))).toBe(text)
  })

  it.each(['2027-13', '2027-00', '27-01', '2027-1', '', '2027-01x', ' 2027-01', '2027/01', '2027-01-01'])(
    'rejects %j',
    text => {
      expect(parseMonth(text)).toBeUndefined()
    },
  )

  it('orders months across a year boundary', () => {
    expect(month('2027-01') - month('2026-12')).toBe(1)
  })
})

describe('period rules', () => {
  it('knows which months start a quarterly period', () => {
    const starts = ['2027-01', '2027-02', '2027-03', '2027-04', '2027-10', '2028-01'].filter(m =>
      startsPeriod(quarterly, month(m)),
    )
    expect(starts).toEqual(['2027-01', '2027-04', '2027-10', '2028-01'])
  })

  it('starts a yearly rule on its first month', () => {
    expect(startsPeriod(yearlyFromDecember, month('2026-12'))).toBe(true)
    expect(startsPeriod(yearlyFromDecember, month('2027-01'))).toBe(false)
    expect(formatMonth(periodEnd(yearlyFromDecember, month('2026-12')))).toBe('2027-11')
  })

  it('finds the period holding a month, and its end', () => {
    expect(formatMonth(periodStartHolding(quarterly, month('2027-05')))).toBe('2027-04')
    expect(formatMonth(periodStartHolding(yearlyFromDecember, month('2027-03')))).toBe('2026-12')
    expect(formatMonth(periodEnd(quarterly, month('2027-04')))).toBe('2027-06')
  })

  it('names the nearest start months on either side of a month that does not fit', () => {
    expect(neighbouringStarts(quarterly, month('2027-02')).map(formatMonth)).toEqual(['2027-01', '2027-04'])
    expect(neighbouringStarts(quarterly, month('2026-12')).map(formatMonth)).toEqual(['2026-10', '2027-01'])
  })

  it('describes a rule in words', () => {
    expect(describeRule(quarterly)).toBe('quarterly from January')
    expect(describeRule(yearlyFromDecember)).toBe('yearly from December')
    expect(describeRule({ id: '9', type: 'month', length: 5, firstMonth: 2 })).toBe('every 5 months from February')
  })
})

describe('China-time period boundaries', () => {
  // 2027-01-01 00:00 and 2027-03-31 00:00 in UTC+8, as Feishu lists a Q1 period.
  const q1Start = Date.UTC(2026, 11, 31, 16)
  const q1LastDay = Date.UTC(2027, 2, 30, 16)

  it('reads the start and end months of a listed period', () => {
    expect(formatMonth(monthOfPeriodStart(q1Start))).toBe('2027-01')
    expect(formatMonth(monthOfPeriodEnd(q1LastDay))).toBe('2027-03')
  })

  it('reads an end given as the last millisecond, or as the next month, as the same month', () => {
    expect(formatMonth(monthOfPeriodEnd(Date.UTC(2027, 2, 31, 15, 59, 59, 999)))).toBe('2027-03')
    expect(formatMonth(monthOfPeriodEnd(Date.UTC(2027, 2, 31, 16)))).toBe('2027-03')
  })
})

describe('monthAt', () => {
  const newYearInShanghai = new Date(Date.UTC(2026, 11, 31, 16, 30))

  it('reads the month on the wall clock of the time zone', () => {
    expect(formatMonth(monthAt(newYearInShanghai, 'Asia/Shanghai'))).toBe('2027-01')
    expect(formatMonth(monthAt(newYearInShanghai, 'UTC'))).toBe('2026-12')
  })
})
