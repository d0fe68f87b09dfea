import * as core from '@actions/core'
import { type Envelope, readEnvelope } from './envelope.js'
import { type CallFailure, Failure, isFailure, isRefusal } from './errors.js'
import { PLATFORM_CODES } from './hints.js'
import { record } from './json.js'
import { addSecret } from './redact.js'
import { nextRetry, transientReason } from './retry.js'
import { type Request, Transport } from './transport.js'

export interface ClientOptions {
  /** Origin (and path prefix, for a private deployment) of the Open Platform, without a trailing slash. */
  baseUrl: string
  appId: string
  appSecret: string
  timeoutMs: number
  /** What the user calls the timeout, for the message that says it ran out. */
  timeoutName?: string
  maxRetries: number
}

export interface Call {
  /** What the action is doing, in words, for log lines and failures: "Creating the OKR period". */
  operation: string
  method: 'GET' | 'POST' | 'PATCH'
  /** Path and query under the base URL, e.g. `/open-apis/okr/v1/periods?page_size=100`. */
  path: string
  body?: object
  /** Scopes the call needs (any one), named in the hint when the app lacks them. */
  scopes?: readonly string[]
  /** Codes of this API that mean "try again". */
  transientCodes?: readonly number[]
}

const TOKEN_OPERATION = 'Getting the tenant access token'

/**
 * A client of the Feishu Open Platform: gets the tenant token, sends calls with it, reads the platform's
 * envelope, and retries what is transient. It knows nothing of the APIs it calls.
 */
export class FeishuClient {
  readonly transport: Transport
  private token: string | undefined

  /** The caller masks the app secret as soon as it reads it; the token is masked here, as soon as it comes. */
  constructor(private readonly options: ClientOptions) {
    this.transport = new Transport(options.timeoutMs, options.timeoutName)
  }

  async authenticate(): Promise<void> {
    const { appId, appSecret } = this.options
    const answer = await this.send({
      operation: TOKEN_OPERATION,
      method: 'POST',
      path: '/open-apis/auth/v3/tenant_access_token/internal',
      body: { app_id: appId, app_secret: appSecret },
    })
    const token = answer.tenant_access_token
    // A token is a long opaque string; a short one would mask common text in every later log line.
    if (typeof token !== 'string' || !/^[\x21-\x7e]{16,512}$/.test(token)) {
      throw new Failure({
        kind: 'unreadable',
        operation: TOKEN_OPERATION,
        detail: 'Feishu answered code 0 without a usable tenant_access_token',
      })
    }
    addSecret(token)
    this.token = token
  }

  /**
   * Sends a call with the token of `authenticate()` and returns its `data`. A token the platform no longer
   * accepts is fetched again once, and the call sent once more.
   */
  async call(call: Call): Promise<Record<string, unknown>> {
    try {
      return record((await this.send(call, this.token)).data)
    } catch (error) {
      if (!isRefusal(error, PLATFORM_CODES.tokenInvalid)) throw error
      core.info('Feishu rejected the tenant access token; getting a new one and trying once more.')
      await this.authenticate()
      try {
        return record((await this.send(call, this.token)).data)
      } catch (again) {
        // What the first round of attempts may have left behind still holds for the outcome.
        throw error.fields.unanswered && isFailure(again) ? again.with({ unanswered: true }) : again
      }
    }
  }

  dispose(): void {
    this.transport.dispose()
  }

  private send(call: Call, token?: string): Promise<Envelope> {
    // Appended, not resolved: a private deployment's base URL may have a path of its own.
    const request: Request = {
      operation: call.operation,
      url: new URL(`${this.options.baseUrl}${call.path}`),
      method: call.method,
      headers: { accept: 'application/json', 'user-agent': 'feishu-okr-period' },
    }
    if (token) request.headers.authorization = `Bearer ${token}`
    if (call.body) {
      request.payload = JSON.stringify(call.body)
      request.headers['content-type'] = 'application/json; charset=utf-8'
    }
    const codes = call.transientCodes ?? []
    return withRetries(
      call.operation,
      this.options.maxRetries,
      failure => transientReason(failure, codes),
      async () => readEnvelope(call.operation, await this.transport.exchange(request), call.scopes),
    )
  }
}

/**
 * Runs `attempt` until it succeeds, fails for good (`transient` says why a failure is worth another attempt, or
 * undefined), or has been retried `maxRetries` times, with one log line per retry. The last failure says how many
 * attempts there were, and whether any of them went unanswered.
 */
export async function withRetries<T>(
  operation: string,
  maxRetries: number,
  transient: (failure: CallFailure) => string | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  let unanswered = false
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt()
    } catch (error) {
      if (!isFailure(error)) throw error
      const failure = error as CallFailure
      unanswered ||= failure.fields.unanswered === true
      const retry = nextRetry(transient(failure), failure.fields.resetMs, attempts, maxRetries, Math.random())
      if (!retry) throw attempts > 1 ? failure.with({ attempts, unanswered }) : failure
      core.info(
        `${operation}: attempt ${attempts} of ${maxRetries + 1} failed (${retry.reason}); retrying in ${(retry.waitMs / 1000).toFixed(1)} s.`,
      )
      await new Promise(resolve => setTimeout(resolve, retry.waitMs))
    }
  }
}
