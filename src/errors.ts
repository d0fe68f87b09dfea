import { FeishuError, TransportError, hintFor } from './feishu/errors.js'

/** A failure the user can act on, whose message says all there is to say: no stack trace follows it. */
export class ActionError extends Error {
  override readonly name = 'ActionError'
}

/** An input that is missing or malformed; found before any request is sent. */
export class InputError extends ActionError {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(message)
  }
}

/** The one place that turns a failure into the message the user reads. */
export function describeFailure(error: unknown): string {
  if (error instanceof FeishuError) {
    return sentences(
      `${error.operation} failed: Feishu answered code ${error.code} "${error.msg}" (HTTP ${error.status})`,
      hintFor(error),
      error.details.hint,
      error.details.attempts !== undefined && `Gave up after ${error.details.attempts} attempts`,
      error.details.troubleshooter && `Troubleshooter: ${error.details.troubleshooter}`,
      error.details.logId && `Log id: ${error.details.logId}`,
    )
  }
  if (error instanceof TransportError) {
    return sentences(
      `${error.operation} failed: ${error.detail}`,
      error.failure === 'unreadable' &&
        error.status === 404 &&
        'Check the domain input: it must be the base URL of the Feishu Open Platform.',
      error.hint,
      error.logId && `Log id: ${error.logId}`,
    )
  }
  if (error instanceof ActionError) return error.message
  return `Unexpected error: ${error instanceof Error ? error.message : String(error)}`
}

/** Whether `error` is one the action anticipates, as opposed to a defect whose stack trace helps. */
export function isExpectedFailure(error: unknown): boolean {
  return error instanceof ActionError || error instanceof FeishuError || error instanceof TransportError
}

function sentences(...parts: (string | false | undefined)[]): string {
  return parts
    .filter((part): part is string => Boolean(part))
    .map(part => (/[.!?]$/.test(part) ? part : `${part}.`))
    .join(' ')
}
