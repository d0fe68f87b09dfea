import type * as http from 'node:http'
import { type CallFailure, Failure } from './errors.js'
import { platformHint } from './hints.js'
import { isRecord, nonEmptyString, record } from './json.js'
import { clean } from './redact.js'
import { rateLimitReset } from './retry.js'
import type { Answer } from './transport.js'

/** A Feishu answer whose `code` is 0: the whole body, since the token call does not wrap it in `data`. */
export type Envelope = Record<string, unknown> & { code: 0 }

/**
 * Reads the platform's envelope. The body's `code` decides, whatever the HTTP status. Whatever of the answer
 * reaches a failure is cleaned first; `scopes` are those the call needs, for a hint when they are missing.
 */
export function readEnvelope(operation: string, answer: Answer, scopes: readonly string[] = []): Envelope {
  const { status } = answer
  const logId = answerLogId(answer)
  const parsed = parseAnswer(answer)
  if (!isRecord(parsed) || typeof parsed.code !== 'number') return thrown(unreadable(operation, answer))
  if (parsed.code === 0) return parsed as Envelope

  const error = record(parsed.error)
  const named = (Array.isArray(error.permission_violations) ? (error.permission_violations as unknown[]) : [])
    .map(violation => record(violation).subject)
    .filter((subject): subject is string => typeof subject === 'string' && /^[\w:.-]{1,100}$/.test(subject))
  const code = parsed.code
  const hint = platformHint(code, named, scopes)
  return thrown(
    new Failure({
      kind: 'refused',
      operation,
      status,
      code,
      msg: clean(typeof parsed.msg === 'string' ? parsed.msg : ''),
      logId: logId ?? logIdOf(nonEmptyString(error.log_id)),
      troubleshooter: troubleshooterOf(error.troubleshooter),
      scopes: named,
      hints: hint ? [hint] : [],
      resetMs: resetOf(answer),
    }),
  )
}

/** The body as JSON, or undefined. */
export function parseAnswer(answer: Answer): unknown {
  try {
    // Feishu's ids have 19 digits, more than a JavaScript number holds exactly: should one come unquoted, it
    // is read as the string it stands for.
    return JSON.parse(answer.body.replace(/("(?:\w+_)?id"\s*:\s*)(\d{16,})\b/g, '$1"$2"')) as unknown
  } catch {
    return undefined
  }
}

/** An answer that is not the platform's JSON: its status and a cleaned excerpt. */
export function unreadable(operation: string, answer: Answer): CallFailure {
  const { status, body } = answer
  const what = body.trim() === '' ? 'an empty body' : `not a Feishu answer: ${clean(body, 120)}`
  return new Failure({
    kind: 'unreadable',
    operation,
    detail: `HTTP ${status}, ${what}`,
    status,
    logId: answerLogId(answer),
    // A 4xx page (a firewall's, a wrong path's) means the platform did not act; a 2xx or 5xx one may hide that it did.
    unanswered: status < 300 || status >= 500,
    resetMs: resetOf(answer),
  })
}

/** The log id Feishu support asks for, when the answer has one that is an id. */
export function answerLogId(answer: Answer): string | undefined {
  return logIdOf(header(answer.headers, 'x-tt-logid') ?? header(answer.headers, 'x-request-id'))
}

function thrown(failure: CallFailure): never {
  throw failure
}

function resetOf(answer: Answer): number | undefined {
  return rateLimitReset(
    header(answer.headers, 'x-ogw-ratelimit-reset'),
    header(answer.headers, 'retry-after'),
    Date.now(),
  )
}

/** Log ids are letters and digits; anything else is not one, and is not shown. */
function logIdOf(value: string | undefined): string | undefined {
  return value !== undefined && /^[\w-]{1,128}$/.test(value) ? value : undefined
}

/** Only a plain https link to Feishu's or Lark's own site is passed on as the troubleshooter. */
function troubleshooterOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 500 || !/^https:\/\/[^\s"'<>\\]+$/.test(value)) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  const own = /(^|\.)(feishu\.cn|larksuite\.com|larkoffice\.com)$/.test(url.hostname)
  return own && !url.username && !url.password && !url.port ? clean(value, 500) : undefined
}

function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return (Array.isArray(value) ? value[0] : value) || undefined
}
