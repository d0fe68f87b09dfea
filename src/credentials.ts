import { isFailure } from './feishu/errors.js'
import { CREDENTIAL_CODES } from './feishu/hints.js'
import { transientReason } from './feishu/retry.js'

/**
 * What a failure to get the tenant token says about the inputs it came from: `app_id`, `app_secret` and `domain`.
 * The Feishu client reports the platform's codes; which input to check is the step's to say.
 */

const WRONG_CREDENTIALS =
  'The app_id or app_secret is wrong: copy both from the app\'s "Credentials & Basic Info" page into the repository\'s secrets.'
/** For a lasting refusal of the token call whose code says nothing more precise. */
const CHECK_CREDENTIALS =
  'Check app_id and app_secret: copy both from the app\'s "Credentials & Basic Info" page into the repository\'s secrets.'

const HINTS: Record<number, string> = {
  [CREDENTIAL_CODES.unknownApp]:
    'Check app_id: it must be the App ID of a self-built app that has been published at least once.',
  [CREDENTIAL_CODES.secretInvalid]: WRONG_CREDENTIALS,
  [CREDENTIAL_CODES.wrongSecret]: WRONG_CREDENTIALS,
  [CREDENTIAL_CODES.wrongCredentials]: WRONG_CREDENTIALS,
}

export function explainAuthentication(error: unknown): unknown {
  if (!isFailure(error)) return error
  if (error.kind === 'unreadable' && error.fields.status === 404) {
    return error.withHint('Check the domain input: it must be the base URL of the Feishu Open Platform.')
  }
  if (error.kind !== 'refused') return error
  const hint = HINTS[error.fields.code ?? 0]
  if (hint) return error.withHint(hint)
  // Whatever its code, a lasting refusal of the token call comes down to the app's credentials.
  return !transientReason(error) && error.hints.length === 0 ? error.withHint(CHECK_CREDENTIALS) : error
}
