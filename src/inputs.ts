import * as core from '@actions/core'
import type { ClientOptions } from './feishu/client.js'
import { Failure } from './feishu/errors.js'
import { addSecret } from './feishu/redact.js'
import { DEFAULT_TEXT, MAX_TEXT_CHARS, PLACEHOLDER_NAMES, unknownPlaceholders } from './notify/card.js'
import type { NotifyRequest } from './notify/announce.js'
import { parseMonth } from './okr/months.js'
import type { OpenRequest, StartMonth } from './okr/open.js'
import type { RetireRequest } from './okr/retire.js'

/** Every input, validated: what the step does, and how it reaches Feishu. */
export interface Settings {
  client: ClientOptions
  open: OpenRequest
  /** Undefined with `retire: none`. */
  retire: RetireRequest | undefined
  /** Undefined when neither notify_chat_id nor notify_webhook is set. */
  notify: NotifyRequest | undefined
}

/**
 * The defaults of the optional inputs, as action.yml declares them (a test keeps the two equal). An input left
 * empty takes its default, so that a run by hand needs only the inputs that matter.
 */
export const DEFAULTS = {
  app_id: '',
  app_secret: '',
  allow_existing: 'false',
  dry_run: 'false',
  domain: 'feishu',
  timezone: 'Asia/Shanghai',
  timeout_seconds: '30',
  max_retries: '3',
  count: '1',
  retire: 'none',
  retire_after_months: '3',
  notify_chat_id: '',
  notify_webhook: '',
  notify_webhook_secret: '',
  notify_text: '',
  notify_when: 'created',
} as const

type Optional = keyof typeof DEFAULTS

const DOMAINS = new Map([
  ['feishu', 'https://open.feishu.cn'],
  ['lark', 'https://open.larksuite.com'],
])

const MAX_TIMEOUT_SECONDS = 300
const MAX_RETRIES = 10
const MAX_COUNT = 12
const MAX_RETIRE_AFTER_MONTHS = 120

/** Reads and validates every input, before anything is sent; the first bad one fails with its name. */
export function readSettings(): Settings {
  // Secrets are masked first, so that no later message can show one.
  const appSecret = credential('app_secret', 'FEISHU_APP_SECRET')
  addSecret(appSecret)
  const webhookUrl = optional('notify_webhook')
  addSecret(webhookUrl)
  const webhookSecret = optional('notify_webhook_secret')
  addSecret(webhookSecret)

  const appId = credential('app_id', 'FEISHU_APP_ID')
  if (/\s/.test(appId)) fail('app_id', 'must be an App ID such as cli_a1b2c3d4e5f6g7h8, without spaces.')
  if (/\s/.test(appSecret)) fail('app_secret', "must be the app's App Secret, without spaces.")

  const start = startMonth()
  const count = wholeNumber('count', 1, MAX_COUNT)
  const retireMode = choice('retire', ['none', 'hide', 'invalid'])
  const retireAfterMonths = wholeNumber('retire_after_months', 0, MAX_RETIRE_AFTER_MONTHS)
  const dryRun = boolean('dry_run')
  const maxRetries = wholeNumber('max_retries', 0, MAX_RETRIES)
  const timeZone = zone('relative' in start || retireMode !== 'none')
  const timeoutMs = Math.round(timeoutSeconds() * 1000)
  const notify = notifyRequest(webhookUrl, webhookSecret, dryRun, maxRetries, timeoutMs)

  return {
    client: { baseUrl: baseUrl(), appId, appSecret, timeoutMs, timeoutName: 'timeout_seconds', maxRetries },
    open: {
      periodRuleId: periodRuleId(),
      start,
      count,
      allowExisting: boolean('allow_existing'),
      dryRun,
      timeZone,
    },
    retire: retireMode === 'none' ? undefined : { mode: retireMode, afterMonths: retireAfterMonths, dryRun, timeZone },
    notify,
  }
}

/** An input whose value is what a user typed, or its action.yml default when left empty. */
function optional(input: Optional): string {
  return core.getInput(input) || DEFAULTS[input]
}

function fail(input: string, expected: string): never {
  throw new Failure({ kind: 'input', detail: `Input '${input}' ${expected}` })
}

/** A credential from its input, or else from the environment variable an org may set once per job. */
function credential(input: 'app_id' | 'app_secret', variable: string): string {
  const value = optional(input) || process.env[variable]?.trim() || ''
  if (value === '') {
    throw new Failure({
      kind: 'input',
      detail: `Input '${input}' is required: set it from a secret, e.g. \${{ secrets.${variable} }}, or set the ${variable} environment variable.`,
    })
  }
  return value
}

function periodRuleId(): string {
  const value = core.getInput('period_rule_id')
  if (!/^\d{1,30}$/.test(value)) {
    fail(
      'period_rule_id',
      `must be the period rule's id, a string of digits such as "6969864184272078374"; got ${quote(value)}.`,
    )
  }
  return value
}

function startMonth(): StartMonth {
  const value = core.getInput('start_month')
  if (value === 'current' || value === 'next') return { relative: value }
  const month = parseMonth(value)
  if (month === undefined) {
    fail(
      'start_month',
      `must be a month as YYYY-MM (month 01 to 12, e.g. 2027-01), or 'current' or 'next'; got ${quote(value)}.`,
    )
  }
  return { month }
}

function boolean(input: 'allow_existing' | 'dry_run'): boolean {
  const value = optional(input)
  if (/^(true|True|TRUE)$/.test(value)) return true
  if (/^(false|False|FALSE)$/.test(value)) return false
  fail(input, `must be true or false; got ${quote(value)}.`)
}

function choice<T extends string>(input: Optional, choices: readonly T[]): T {
  const value = optional(input)
  if (!(choices as readonly string[]).includes(value))
    fail(input, `must be one of ${choices.join(', ')}; got ${quote(value)}.`)
  return value as T
}

function wholeNumber(input: Optional, least: number, most: number): number {
  const value = optional(input)
  if (!/^\d{1,4}$/.test(value) || Number(value) < least || Number(value) > most) {
    fail(input, `must be a whole number from ${least} to ${most}; got ${quote(value)}.`)
  }
  return Number(value)
}

function baseUrl(): string {
  const value = optional('domain')
  const named = DOMAINS.get(value.toLowerCase())
  if (named) return named
  const expected = 'must be feishu, lark, or the https:// base URL of a private deployment'
  const url = httpUrl('domain', value, expected)
  if (url.search || url.hash) fail('domain', `${expected}, with no user name, password, query or fragment.`)
  return url.href.replace(/\/+$/, '')
}

/** An https URL, or an http one to a loopback host (the emulator); `shown` is what a message may quote of it. */
function httpUrl(input: Optional, value: string, expected: string, shown: string = quote(value)): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    fail(input, `${expected}; got ${shown}.`)
  }
  if (url.username || url.password) fail(input, `${expected}, with no user name, password, query or fragment.`)
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    fail(
      input,
      `${expected}: plain http:// is refused except for a loopback host (localhost, 127.0.0.1, [::1]); got ${shown}.`,
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(input, `${expected}; got ${shown}.`)
  return url
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

function timeoutSeconds(): number {
  const value = optional('timeout_seconds')
  const seconds = /^\d{1,3}(\.\d{1,3})?$/.test(value) ? Number(value) : NaN
  // Whole milliseconds: the timer takes nothing finer.
  if (!(seconds >= 0.001 && seconds <= MAX_TIMEOUT_SECONDS)) {
    fail(
      'timeout_seconds',
      `must be a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}; got ${quote(value)}.`,
    )
  }
  return seconds
}

/**
 * The zone is looked up in the time zone database only when something reads today's month (a relative
 * start_month, or retire): the first use of Intl loads ICU's data, some 10 ms of every run's start-up.
 */
function zone(used: boolean): string {
  const value = optional('timezone')
  const expected = `must be an IANA time zone name such as Asia/Shanghai or UTC; got ${quote(value)}.`
  if (!/^[A-Za-z][\w+-]*(\/[\w+-]+)*$/.test(value)) fail('timezone', expected)
  if (!used) return value
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone
  } catch {
    fail('timezone', expected)
  }
}

function notifyRequest(
  webhookUrl: string,
  secret: string,
  dryRun: boolean,
  maxRetries: number,
  timeoutMs: number,
): NotifyRequest | undefined {
  const chatId = optional('notify_chat_id')
  if (chatId !== '' && !/^oc_[A-Za-z0-9]{1,64}$/.test(chatId)) {
    fail('notify_chat_id', `must be a chat id such as oc_a0553eda9014c201e6969b478895c230; got ${quote(chatId)}.`)
  }
  if (/\s/.test(secret)) fail('notify_webhook_secret', "must be the group bot's signing secret, without spaces.")
  const when = choice('notify_when', ['created', 'always'])
  const template = optional('notify_text') || DEFAULT_TEXT
  if ([...template].length > MAX_TEXT_CHARS) fail('notify_text', `must be at most ${MAX_TEXT_CHARS} characters long.`)
  const unknown = unknownPlaceholders(template)
  if (unknown.length) {
    fail(
      'notify_text',
      `has unknown placeholders ${unknown.map(name => `{${name}}`).join(', ')}: the placeholders are ${PLACEHOLDER_NAMES.map(name => `{${name}}`).join(', ')} (write {{ and }} for a literal brace).`,
    )
  }
  if (secret !== '' && webhookUrl === '') fail('notify_webhook_secret', 'is set, but notify_webhook is not.')
  if (chatId === '' && webhookUrl === '') return undefined
  return {
    chatId: chatId || undefined,
    webhook: webhookUrl === '' ? undefined : { url: webhook(webhookUrl), secret: secret || undefined },
    template,
    when,
    dryRun,
    maxRetries,
    timeoutMs,
  }
}

/** A custom bot's webhook URL. It is a credential: no message quotes it. */
function webhook(value: string): URL {
  const expected = "must be a group custom bot's webhook URL, https://…/open-apis/bot/v2/hook/…"
  const url = httpUrl('notify_webhook', value, expected, 'a value that is not one (not shown: it is a secret)')
  if (!/^(\/[^/]+)*\/open-apis\/bot\/v2\/hook\/[A-Za-z0-9-]{1,128}$/.test(url.pathname) || url.search || url.hash) {
    fail('notify_webhook', `${expected}; got a value that is not one (not shown: it is a secret).`)
  }
  addSecret(url.pathname.slice(url.pathname.lastIndexOf('/') + 1))
  return url
}

function quote(value: string): string {
  return value === '' ? 'nothing' : JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
}
