import * as http from 'node:http'
import * as https from 'node:https'
import * as core from '@actions/core'
import { HttpClient } from '@actions/http-client'
import { ActionError } from '../errors.js'
import { isRecord, nonEmptyString } from '../json.js'
import { CHECK_CREDENTIALS, CODES, FeishuError, GETTING_TOKEN, TransportError, hintFor } from './errors.js'
import { nextRetry, rateLimitReset, transientReason } from './retry.js'

export interface ClientOptions {
  baseUrl: string
  appId: string
  appSecret: string
  timeoutMs: number
  maxRetries: number
}

/** A Feishu answer whose `code` is 0: the whole body, since the token call does not wrap it in `data`. */
export type Envelope = Record<string, unknown> & { code: 0; msg?: string; data?: unknown }

export interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/**
 * Talks to the Feishu Open Platform: gets the tenant token, sends requests with it, reads the platform's
 * envelope, and retries what is transient.
 */
export class FeishuClient {
  private readonly http = new HttpClient('feishu-okr-period', [], { keepAlive: true })
  private token: string | undefined

  constructor(private readonly options: ClientOptions) {}

  async authenticate(): Promise<void> {
    const { appId, appSecret } = this.options
    let answer: Envelope
    try {
      answer = await this.send(GETTING_TOKEN, 'POST', '/open-apis/auth/v3/tenant_access_token/internal', {
        app_id: appId,
        app_secret: appSecret,
      })
    } catch (error) {
      // Whatever its code, a lasting refusal of the token call comes down to the app's credentials.
      throw error instanceof FeishuError && !transientReason(error) && !hintFor(error)
        ? error.with({ hint: CHECK_CREDENTIALS })
        : error
    }
    const token = answer.tenant_access_token
    if (typeof token !== 'string' || token === '') {
      throw new ActionError(`${GETTING_TOKEN} failed: Feishu answered code 0 without a tenant_access_token.`)
    }
    core.setSecret(token)
    this.token = token
  }

  /**
   * Sends a request with the token of `authenticate()` and returns its `data`. A token the platform no
   * longer accepts is fetched again once, and the request sent once more.
   */
  async call(operation: string, method: 'GET' | 'POST', path: string, body?: object): Promise<unknown> {
    try {
      return (await this.send(operation, method, path, body, this.token)).data
    } catch (error) {
      if (!(error instanceof FeishuError && error.code === CODES.tokenInvalid)) throw error
      core.info('Feishu rejected the tenant access token; getting a new one and trying once more.')
      await this.authenticate()
      try {
        return (await this.send(operation, method, path, body, this.token)).data
      } catch (again) {
        // What the first round of attempts may have left behind still holds for the outcome.
        if (!error.details.earlierAnswerLost) throw again
        if (again instanceof FeishuError) throw again.with({ earlierAnswerLost: true })
        if (again instanceof TransportError) throw again.with({ mayHaveArrived: true })
        throw again
      }
    }
  }

  dispose(): void {
    this.http.dispose()
  }

  private async send(
    operation: string,
    method: string,
    path: string,
    body?: object,
    token?: string,
  ): Promise<Envelope> {
    // Appended, not resolved: a private deployment's base URL may have a path of its own.
    const url = new URL(`${this.options.baseUrl}${path}`)
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json', 'user-agent': 'feishu-okr-period' }
    if (token) headers.authorization = `Bearer ${token}`
    const payload = body && JSON.stringify(body)
    if (payload) headers['content-type'] = 'application/json; charset=utf-8'

    let answerLost = false
    for (let attempt = 1; ; attempt++) {
      let answer: Answer | undefined
      try {
        answer = await this.exchange(url, method, headers, payload)
        return readEnvelope(operation, answer, [this.options.appSecret, this.token])
      } catch (error) {
        const failure = asFailure(operation, error, this.options.timeoutMs)
        answerLost ||= failure instanceof TransportError && failure.mayHaveArrived
        const reset =
          answer &&
          rateLimitReset(
            header(answer.headers, 'x-ogw-ratelimit-reset'),
            header(answer.headers, 'retry-after'),
            Date.now(),
          )
        const retry = nextRetry(failure, attempt, this.options.maxRetries, Math.random(), reset)
        if (!retry) throw attempt > 1 ? afterAttempts(failure, attempt, answerLost) : failure
        core.info(
          `${operation}: attempt ${attempt} of ${this.options.maxRetries + 1} failed (${retry.reason}); retrying in ${(retry.waitMs / 1000).toFixed(1)} s.`,
        )
        await new Promise(resolve => setTimeout(resolve, retry.waitMs))
      }
    }
  }

  /** One HTTP exchange, aborted as a whole (connect, send, wait, read) at the timeout. */
  private exchange(url: URL, method: string, headers: http.OutgoingHttpHeaders, payload?: string): Promise<Answer> {
    const transport = url.protocol === 'https:' ? https : http
    return new Promise((resolve, reject) => {
      const request = transport.request(
        url,
        // The toolkit's agent is the one that honours https_proxy / no_proxy.
        { method, headers, agent: this.http.getAgent(url.href), signal: AbortSignal.timeout(this.options.timeoutMs) },
        response => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('error', reject)
          response.on('close', () => {
            if (!response.complete)
              reject(Object.assign(new Error('the connection closed mid-answer'), { code: 'ECONNRESET' }))
          })
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          )
        },
      )
      request.on('error', reject)
      request.end(payload)
    })
  }
}

/**
 * Reads the platform's envelope. The body's `code` decides, whatever the HTTP status. `secrets` are cut out
 * of any excerpt of the body.
 */
export function readEnvelope(operation: string, answer: Answer, secrets: (string | undefined)[] = []): Envelope {
  const { status } = answer
  const logId = header(answer.headers, 'x-tt-logid') ?? header(answer.headers, 'x-request-id')
  let parsed: unknown
  try {
    // Feishu's ids have 19 digits, more than a JavaScript number holds exactly: should one come unquoted,
    // it is read as the string it stands for.
    parsed = JSON.parse(answer.body.replace(/("(?:period_id|id)"\s*:\s*)(\d{16,})\b/g, '$1"$2"'))
  } catch {
    parsed = undefined
  }
  if (!isRecord(parsed) || typeof parsed.code !== 'number') {
    const what = answer.body.trim() === '' ? 'an empty body' : `not a Feishu answer: ${excerpt(answer.body, secrets)}`
    // A 4xx page (a firewall's, a wrong path's) means the platform did not act; a 2xx or 5xx one may hide that it did.
    const mayHaveArrived = status < 300 || status >= 500
    throw new TransportError(operation, 'unreadable', `HTTP ${status}, ${what}`, { status, logId, mayHaveArrived })
  }
  if (parsed.code === 0) return parsed as Envelope

  const error = isRecord(parsed.error) ? parsed.error : {}
  const violations = Array.isArray(error.permission_violations) ? error.permission_violations : []
  throw new FeishuError(operation, status, parsed.code, typeof parsed.msg === 'string' ? parsed.msg : '', {
    logId: logId ?? nonEmptyString(error.log_id),
    troubleshooter: nonEmptyString(error.troubleshooter),
    scopes: violations.flatMap(violation =>
      isRecord(violation) && typeof violation.subject === 'string' ? [violation.subject] : [],
    ),
  })
}

/**
 * A short, printable excerpt of a body that is not JSON, for the error message. The secrets, and anything
 * shaped like a token or a secret field, are cut out before the excerpt is cut short: a part of a secret is
 * no longer the whole value the runner masks.
 */
export function excerpt(body: string, secrets: (string | undefined)[] = []): string {
  const safe = secrets
    .filter((secret): secret is string => Boolean(secret))
    .reduce((text, secret) => text.split(secret).join('***'), body)
    .replace(/"(tenant_access_token|app_secret)"\s*:\s*"[^"]*"?/g, '"$1":"***"')
    .replace(/\b[tu]-[A-Za-z0-9_-]{6,}/g, '***')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?')
    .trim()
  return safe.length > 120 ? `${safe.slice(0, 120)}…` : safe
}

/** A failed exchange as a value: Feishu's own answers as they are, anything from the socket as a TransportError. */
function asFailure(operation: string, error: unknown, timeoutMs: number): unknown {
  if (error instanceof FeishuError || error instanceof TransportError) return error
  const code = (error as { code?: unknown }).code
  if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') {
    return new TransportError(operation, 'timeout', `no answer within ${timeoutMs / 1000} s (timeout_seconds)`)
  }
  const detail = typeof code === 'string' ? code : (error as Error).message
  return new TransportError(operation, 'network', `the connection failed (${detail})`, {
    mayHaveArrived: !NOT_SENT.has(detail),
  })
}

/** The last failure of a request that was sent more than once, with what the earlier attempts tell. */
function afterAttempts(error: unknown, attempts: number, answerLost: boolean): unknown {
  if (error instanceof TransportError) {
    return error.with({
      detail: `${error.detail}; gave up after ${attempts} attempts`,
      mayHaveArrived: error.mayHaveArrived || answerLost,
    })
  }
  if (error instanceof FeishuError) return error.with({ attempts, earlierAnswerLost: answerLost })
  return error
}

/** Connection errors that mean the request never reached the server. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])

function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return (Array.isArray(value) ? value[0] : value) || undefined
}
