import * as core from '@actions/core'
import { InputError } from './errors.js'
import { type Month, parseMonth } from './months.js'

/** `start_month` as given: a month, or one relative to today under the period rule. */
export type StartMonthInput = { month: Month } | { relative: 'current' | 'next' }

export interface Settings {
  appId: string
  appSecret: string
  periodRuleId: string
  startMonth: StartMonthInput
  allowExisting: boolean
  dryRun: boolean
  /** Origin (and path prefix, for a private deployment) of the Open Platform, without a trailing slash. */
  baseUrl: string
  timeoutMs: number
  maxRetries: number
  timeZone: string
}

const DOMAINS = new Map([
  ['feishu', 'https://open.feishu.cn'],
  ['lark', 'https://open.larksuite.com'],
])

const MAX_TIMEOUT_SECONDS = 300
const MAX_RETRIES = 10

/** Reads and validates every input, before anything is sent; the first bad one fails with its name. */
export function readSettings(): Settings {
  const appSecret = credential('app_secret', 'FEISHU_APP_SECRET')
  core.setSecret(appSecret)
  const appId = credential('app_id', 'FEISHU_APP_ID')
  if (/\s/.test(appId))
    throw new InputError('app_id', "Input 'app_id' must be an App ID such as cli_a1b2c3d4e5f6g7h8, without spaces.")
  if (/\s/.test(appSecret))
    throw new InputError('app_secret', "Input 'app_secret' must be the app's App Secret, without spaces.")

  const start = startMonth()
  return {
    appId,
    appSecret,
    periodRuleId: periodRuleId(),
    startMonth: start,
    allowExisting: boolean('allow_existing'),
    dryRun: boolean('dry_run'),
    baseUrl: baseUrl(),
    timeoutMs: timeoutSeconds() * 1000,
    maxRetries: maxRetries(),
    timeZone: timeZone(start),
  }
}

/** A credential from its input, or else from the environment variable an org may set once per job. */
function credential(input: string, variable: string): string {
  const value = core.getInput(input) || process.env[variable]?.trim() || ''
  if (value === '') {
    throw new InputError(
      input,
      `Input '${input}' is required: set it from a secret, e.g. \${{ secrets.${variable} }}, or set the ${variable} environment variable.`,
    )
  }
  return value
}

function periodRuleId(): string {
  const value = core.getInput('period_rule_id')
  if (!/^\d{1,30}$/.test(value)) {
    throw new InputError(
      'period_rule_id',
      `Input 'period_rule_id' must be the period rule's id, a string of digits such as "6969864184272078374"; got ${quote(value)}.`,
    )
  }
  return value
}

function startMonth(): StartMonthInput {
  const value = core.getInput('start_month')
  if (value === 'current' || value === 'next') return { relative: value }
  const month = parseMonth(value)
  if (month === undefined) {
    throw new InputError(
      'start_month',
      `Input 'start_month' must be a month as YYYY-MM (month 01 to 12, e.g. 2027-01), or 'current' or 'next'; got ${quote(value)}.`,
    )
  }
  return { month }
}

function boolean(input: string): boolean {
  const value = core.getInput(input)
  if (/^(true|True|TRUE)$/.test(value)) return true
  if (/^(false|False|FALSE)$/.test(value)) return false
  throw new InputError(input, `Input '${input}' must be true or false; got ${quote(value)}.`)
}

function baseUrl(): string {
  const value = core.getInput('domain')
  const named = DOMAINS.get(value.toLowerCase())
  if (named) return named
  const expected = "Input 'domain' must be feishu, lark, or the https:// base URL of a private deployment"
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError('domain', `${expected}; got ${quote(value)}.`)
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new InputError('domain', `${expected}, with no user name, password, query or fragment.`)
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new InputError(
      'domain',
      `${expected}: plain http:// is refused except for a loopback host (localhost, 127.0.0.1, [::1]); got ${quote(value)}.`,
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new InputError('domain', `${expected}; got ${quote(value)}.`)
  return url.href.replace(/\/+$/, '')
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

function timeoutSeconds(): number {
  const value = core.getInput('timeout_seconds')
  const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN
  if (!(seconds > 0 && seconds <= MAX_TIMEOUT_SECONDS)) {
    throw new InputError(
      'timeout_seconds',
      `Input 'timeout_seconds' must be a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}; got ${quote(value)}.`,
    )
  }
  return seconds
}

function maxRetries(): number {
  const value = core.getInput('max_retries')
  if (!/^\d+$/.test(value) || Number(value) > MAX_RETRIES) {
    throw new InputError(
      'max_retries',
      `Input 'max_retries' must be a whole number from 0 to ${MAX_RETRIES}; got ${quote(value)}.`,
    )
  }
  return Number(value)
}

/**
 * The zone is looked up in the time zone database only when `start_month` is relative, the one case that
 * reads it: the first use of Intl loads ICU's data, some 10 ms of every run's start-up.
 */
function timeZone(start: StartMonthInput): string {
  const value = core.getInput('timezone')
  const expected = `Input 'timezone' must be an IANA time zone name such as Asia/Shanghai or UTC; got ${quote(value)}.`
  if (!/^[A-Za-z][\w+-]*(\/[\w+-]+)*$/.test(value)) throw new InputError('timezone', expected)
  if (!('relative' in start)) return value
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone
  } catch {
    throw new InputError('timezone', expected)
  }
}

function quote(value: string): string {
  return value === '' ? 'nothing' : JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
}
