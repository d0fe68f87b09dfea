/**
 * Failures of a call to the Feishu Open Platform, as values. `describeFailure` in ../errors.ts is the one
 * place that turns them into what the user reads.
 */

/** The platform answered, and its `code` says the call failed. */
export class FeishuError extends Error {
  override readonly name = 'FeishuError'

  constructor(
    /** What the action was doing, e.g. "Creating the OKR period". */
    readonly operation: string,
    readonly status: number,
    readonly code: number,
    readonly msg: string,
    readonly details: {
      logId?: string
      troubleshooter?: string
      /** Scopes named by `error.permission_violations`. */
      scopes?: string[]
      /** Said after the generic hint for the code, by a caller that knows more about the situation. */
      hint?: string
      /** How many times the request was sent, when more than once. */
      attempts?: number
      /** Whether an earlier attempt of the same request may have reached the server unanswered. */
      earlierAnswerLost?: boolean
    } = {},
  ) {
    super(`${operation}: Feishu code ${code}`)
  }

  with(details: FeishuError['details']): FeishuError {
    return new FeishuError(this.operation, this.status, this.code, this.msg, { ...this.details, ...details })
  }
}

export type TransportFailure = 'timeout' | 'network' | 'unreadable'

export interface TransportDetails {
  status?: number
  logId?: string
  /** Whether the request may have reached the server although no usable answer came back. */
  mayHaveArrived?: boolean
  /** Said after the detail, by a caller that knows what the failure may have left behind. */
  hint?: string
}

/** No usable answer: the request timed out, the connection failed, or the body is not a Feishu answer. */
export class TransportError extends Error {
  override readonly name = 'TransportError'
  readonly status: number | undefined
  readonly logId: string | undefined
  readonly mayHaveArrived: boolean
  readonly hint: string | undefined

  constructor(
    readonly operation: string,
    readonly failure: TransportFailure,
    /** The cause in a few words: "the connection failed (ECONNRESET)", "HTTP 502, not a Feishu answer: <html>…". */
    readonly detail: string,
    details: TransportDetails = {},
  ) {
    super(`${operation}: ${detail}`)
    this.status = details.status
    this.logId = details.logId
    this.mayHaveArrived = details.mayHaveArrived ?? failure !== 'network'
    this.hint = details.hint
  }

  with(changes: TransportDetails & { detail?: string }): TransportError {
    const { status, logId, mayHaveArrived, hint } = this
    return new TransportError(this.operation, this.failure, changes.detail ?? this.detail, {
      status,
      logId,
      mayHaveArrived,
      hint,
      ...changes,
    })
  }
}

export const GETTING_TOKEN = 'Getting the tenant access token'
export const CREATING_PERIOD = 'Creating the OKR period'

export const CODES = {
  rateLimited: 99991400,
  tokenInvalid: 99991663,
  unknownError: 1009999,
  ruleNotFound: 1001004,
  periodExists: 1001008,
  monthDoesNotFitRule: 1001009,
} as const

const WRONG_CREDENTIALS =
  'The app_id or app_secret is wrong: copy both from the app\'s "Credentials & Basic Info" page into the repository\'s secrets.'
/** For a refusal of the token call whose code says nothing more precise. */
export const CHECK_CREDENTIALS =
  'Check app_id and app_secret: copy both from the app\'s "Credentials & Basic Info" page into the repository\'s secrets.'
const TOKEN_REJECTED =
  'Feishu rejected the tenant access token; re-run the job, and check that `domain` is the platform the app belongs to.'

const HINTS: Record<number, string> = {
  10003: 'Check app_id: it must be the App ID of a self-built app that has been published at least once.',
  10014: WRONG_CREDENTIALS,
  10015: WRONG_CREDENTIALS,
  99991543: WRONG_CREDENTIALS,
  99991662: 'The app is disabled: enable it in the Feishu developer console.',
  99991673: 'The app is unavailable: check its status in the Feishu developer console.',
  99991661: TOKEN_REJECTED,
  99991663: TOKEN_REJECTED,
  99991671: TOKEN_REJECTED,
  99991401: "The runner's IP address is not on the app's IP allowlist: add it in the app's security settings.",
  99991403: "The app's monthly API quota is used up.",
  99991400: 'Feishu is rate limiting this app (every tool of the same app shares its budget); try again in a minute.',
  1009999: 'Feishu had an internal error; re-run the job, and if it persists give the log id to Feishu support.',
  1001001: 'Check period_rule_id and start_month.',
  1001002: 'The app may not manage OKR: ask the OKR admin to give the app OKR admin access.',
  1001003: 'Feishu could not find the user the request acts for.',
  1001004: 'No period rule has that period_rule_id in this tenant.',
  1000403: "The OKR open API needs the OKR Business edition; this tenant's OKR is the Standard edition.",
  1001008: 'A period for that time already exists.',
  1001009: "start_month must be a month on which the rule's periods start.",
}

/** What the user can do about a failure with this code, or undefined when we know nothing useful. */
export function hintFor(error: FeishuError): string | undefined {
  if (error.code === 99991672 || error.code === 99991676) {
    const scopes = error.details.scopes?.length ? error.details.scopes.join(', ') : 'okr:okr'
    return `Grant the app the scope ${scopes} in the developer console ("Permissions & Scopes"), then publish a new version of the app so that the grant takes effect.`
  }
  return HINTS[error.code]
}
