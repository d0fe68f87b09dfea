/**
 * Every failure the action expects, as one value: what went wrong (`kind`), while doing what, Feishu's code and
 * msg when it answered, the hints that the layers which know more have added, and the log id. `describeFailure`
 * is the one place that turns it into the message a user reads.
 */

/** How a call to the platform failed. Other layers add kinds of their own (an input, an OKR rule, …). */
export type CallKind = 'refused' | 'timeout' | 'network' | 'unreadable' | 'too-large'

export interface FailureFields<K extends string = string> {
  kind: K
  /** What the action was doing, e.g. "Creating the OKR period"; absent for a failure that is a whole sentence. */
  operation?: string
  /** The cause in words, when Feishu's code does not say it: "the connection failed (ECONNRESET)". */
  detail?: string
  status?: number
  code?: number
  /** Feishu's msg, already cleaned for display. */
  msg?: string
  logId?: string
  troubleshooter?: string
  /** Scopes named by `error.permission_violations`. */
  scopes?: readonly string[]
  /** What the user can do, most general first. */
  hints?: readonly string[]
  /** How many times the request was sent, when more than once. */
  attempts?: number
  /** Whether some attempt may have reached the server and acted although its answer was lost. */
  unanswered?: boolean
  /** The wait a rate-limited answer asks for, in milliseconds. */
  resetMs?: number
  /** The failure this one wraps, e.g. the create that stopped a series of them part-way. */
  cause?: Failure
}

export class Failure<K extends string = string> extends Error {
  override readonly name = 'Failure'
  readonly hints: readonly string[]

  constructor(readonly fields: FailureFields<K>) {
    // Only the kind: the message a user reads is describeFailure's.
    super(fields.kind)
    this.hints = fields.hints ?? []
  }

  get kind(): K {
    return this.fields.kind
  }

  /** The same failure with `hint` said after the hints it has. */
  withHint(hint: string | undefined): Failure<K> {
    return hint ? this.with({ hints: [...this.hints, hint] }) : this
  }

  with(changes: Partial<FailureFields<K>>): Failure<K> {
    return new Failure({ ...this.fields, ...changes })
  }
}

export type CallFailure = Failure<CallKind>

export function isFailure(error: unknown): error is Failure {
  return error instanceof Failure
}

/** A refusal by the platform with this code. */
export function isRefusal(error: unknown, code?: number): error is CallFailure {
  return error instanceof Failure && error.kind === 'refused' && (code === undefined || error.fields.code === code)
}

/** The one place that turns a failure into the message the user reads. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Failure)) return `Unexpected error: ${error instanceof Error ? error.message : String(error)}`
  const { operation, detail, code, msg, status, attempts, troubleshooter, logId, cause } = error.fields
  let head: string | undefined
  if (code !== undefined) {
    head = `${operation} failed: Feishu answered code ${code} "${msg ?? ''}" (HTTP ${status})`
  } else {
    const gaveUp = attempts !== undefined ? `; gave up after ${attempts} attempts` : ''
    head = operation ? `${operation} failed: ${detail}${gaveUp}` : detail
  }
  return sentences(
    cause ? `${head}: ${describeFailure(cause)}` : head,
    ...error.hints,
    code !== undefined && attempts !== undefined && `Gave up after ${attempts} attempts`,
    troubleshooter && `Troubleshooter: ${troubleshooter}`,
    logId && `Log id: ${logId}`,
  )
}

function sentences(...parts: (string | false | undefined)[]): string {
  return parts
    .filter((part): part is string => Boolean(part))
    .map(part => (/[.!?]$/.test(part) ? part : `${part}.`))
    .join(' ')
}
