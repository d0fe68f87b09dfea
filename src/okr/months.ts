/**
 * Calendar months as whole numbers (months since year 0), so that period rules are plain arithmetic.
 * Feishu speaks of months as `YYYY-MM` and of instants as epoch milliseconds in China time (UTC+8).
 */
export type Month = number

export interface PeriodRule {
  id: string
  type: string
  /** Months in one period. */
  length: number
  /** The month (1–12) on which the year's first period starts. */
  firstMonth: number
}

/** The longest period rule whose months are computed: ten years. */
export const MAX_RULE_LENGTH = 120

const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000
const DAY_MS = 24 * 60 * 60 * 1000

export function parseMonth(text: string): Month | undefined {
  const match = MONTH_PATTERN.exec(text)
  return match ? Number(match[1]) * 12 + Number(match[2]) - 1 : undefined
}

export function formatMonth(month: Month): string {
  const year = Math.floor(month / 12)
  const monthOfYear = (month % 12) + 1
  return `${String(year).padStart(4, '0')}-${String(monthOfYear).padStart(2, '0')}`
}

export function formatOptionalMonth(month: Month | undefined): string {
  return month === undefined ? 'unknown' : formatMonth(month)
}

/** The month that holds `instant` on a wall clock in `timeZone`. */
export function monthAt(instant: Date, timeZone: string): Month {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric' }).formatToParts(instant)
  const part = (type: string): number => Number(parts.find(p => p.type === type)?.value)
  return part('year') * 12 + part('month') - 1
}

/**
 * Feishu's period times: 00:00 China time of the first day (start), and of the last day (end) in the
 * documented example. An end at 00:00 on the 1st can only mean "up to the start of that month", so it
 * counts as the month before; that keeps other plausible conventions from shifting the end by one.
 */
export function monthOfPeriodStart(epochMs: number): Month {
  const china = new Date(epochMs + CHINA_OFFSET_MS)
  return china.getUTCFullYear() * 12 + china.getUTCMonth()
}

export function monthOfPeriodEnd(epochMs: number): Month {
  const china = new Date(epochMs + CHINA_OFFSET_MS)
  const month = china.getUTCFullYear() * 12 + china.getUTCMonth()
  const isMidnightOnTheFirst = china.getUTCDate() === 1 && china.getTime() % DAY_MS === 0
  return isMidnightOnTheFirst ? month - 1 : month
}

/** Whether a period of `rule` starts on `month`: periods start on `firstMonth + k·length`. */
export function startsPeriod(rule: PeriodRule, month: Month): boolean {
  return modulo(month - (rule.firstMonth - 1), rule.length) === 0
}

/** The start month of the period of `rule` that holds `month`. */
export function periodStartHolding(rule: PeriodRule, month: Month): Month {
  return month - modulo(month - (rule.firstMonth - 1), rule.length)
}

export function periodEnd(rule: PeriodRule, start: Month): Month {
  return start + rule.length - 1
}

/** The start months nearest to `month` on either side, for a hint when `month` does not fit. */
export function neighbouringStarts(rule: PeriodRule, month: Month): [Month, Month] {
  const before = periodStartHolding(rule, month)
  return [before, before + rule.length]
}

/** A rule in words, e.g. "quarterly from January". */
export function describeRule(rule: PeriodRule): string {
  const every = RULE_NAMES[rule.length] ?? `every ${rule.length} months`
  return `${every} from ${MONTH_NAMES[rule.firstMonth - 1] ?? `month ${rule.firstMonth}`}`
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

const RULE_NAMES: Record<number, string> = {
  1: 'monthly',
  2: 'every two months',
  3: 'quarterly',
  4: 'every four months',
  6: 'half-yearly',
  12: 'yearly',
}

function modulo(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor
}
