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
  const logId = logIdOf(header(answer.headers, 'x-tt-logid') ?? header(answer.headers, 'x-request-id'))
  let parsed: unknown
  try {
    // Feishu's ids have 19 digits, more than a JavaScript number holds exactly: should one come unquoted, it
    // is read as the string it stands for.
    parsed = JSON.parse(answer.body.replace(/("(?:period_id|id)"\s*:\s*)(\d{16,})\b/g, '$1"$2"'))
  } catch {
    parsed = undefined
  }
  if (!isRecord(parsed) || typeof parsed.code !== 'number') {
    const what = answer.body.trim() === '' ? 'an empty body' : `not a Feishu answer: ${clean(answer.body, 120)}`
    return thrown(
      new Failure({
        kind: 'unreadable',
        operation,
        detail: `HTTP ${status}, ${what}`,
        status,
        logId,
        // A 4xx page (a firewall's, a wrong path's) means the platform did not act; a 2xx or 5xx one may hide that it did.
        unanswered: status < 300 || status >= 500,
        resetMs: resetOf(answer),
      }),
    )
  }
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

/** Only an https link, cleaned, is passed on as the troubleshooter. */
function troubleshooterOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^https:\/\/[^\s"'<>]+$/.test(value) || value.length > 500) return undefined
  return clean(value, 500)
}

export function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return (Array.isArray(value) ? value[0] : value) || undefined
}
