import { createHmac } from 'node:crypto'
import { withRetries } from './client.js'
import { header } from './envelope.js'
import { Failure, isFailure } from './errors.js'
import { isRecord } from './json.js'
import { clean } from './redact.js'
import type { Answer, Transport } from './transport.js'

/**
 * A group's custom bot, reached by its webhook URL. The URL is the credential, so it never appears in a message
 * (the caller masks it); a post is retried only when it cannot have reached Feishu, since a webhook has no key
 * that would let Feishu drop a second copy.
 */

export interface Webhook {
  url: URL
  /** The signing secret, when the group bot verifies signatures. */
  secret?: string
}

const HINTS: Record<number, string> = {
  19021:
    'The signature was refused: check notify_webhook_secret against the bot\'s "Signature verification" secret, and the runner\'s clock (Feishu allows an hour either way).',
  19022: "The runner's IP address is not on the group bot's IP allowlist.",
  19024: 'The group bot requires a keyword: put one of its keywords in notify_text.',
  19001: "Feishu does not know this webhook: copy the URL again from the group bot's settings.",
  9499: 'Feishu could not read the message; report this as a bug of the action.',
  11232: 'The group bot is rate limited (about 5 messages a second, 100 a minute); try again in a minute.',
}

/** `sign` as Feishu checks it: the key is the timestamp, a line break and the secret; the message is empty. */
export function webhookSignature(timestampSeconds: number, secret: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64')
}

/** Said of a post that got no answer: it may have reached the group, and posting it again may show it twice. */
export const MAY_HAVE_ARRIVED =
  'The post may have reached the group although its answer was lost, so it was not sent again (a webhook has no key that would let Feishu drop a second copy): look in the group before re-sending it.'

/**
 * Posts `message`, signed when the webhook has a secret, at the time `now`. Retried only when the connection was
 * refused (the post cannot have reached Feishu); any other failure is thrown as it is, one that may hide a
 * delivered post saying so.
 */
export async function postWebhook(
  transport: Transport,
  webhook: Webhook,
  message: Record<string, unknown>,
  maxRetries: number,
  now: Date,
): Promise<void> {
  const operation = 'Posting the announcement to the group webhook'
  const timestamp = Math.floor(now.getTime() / 1000)
  const signed = webhook.secret
    ? { timestamp: String(timestamp), sign: webhookSignature(timestamp, webhook.secret) }
    : {}
  const payload = JSON.stringify({ ...signed, ...message })
  try {
    await withRetries(
      operation,
      maxRetries,
      failure => (failure.kind === 'network' && !failure.fields.unanswered ? failure.fields.detail : undefined),
      async () => {
        const answer = await transport.exchange({
          operation,
          url: webhook.url,
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'feishu-okr-period' },
          payload,
        })
        readWebhookAnswer(operation, answer)
      },
    )
  } catch (error) {
    throw isFailure(error) && error.fields.unanswered ? error.withHint(MAY_HAVE_ARRIVED) : error
  }
}

/** Feishu answers `{code, msg}`, older deployments `{StatusCode, StatusMessage}`; 0 is success either way. */
function readWebhookAnswer(operation: string, { status, headers, body }: Answer): void {
  const logId = header(headers, 'x-tt-logid') ?? header(headers, 'x-request-id')
  const shownLogId = logId !== undefined && /^[\w-]{1,128}$/.test(logId) ? logId : undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    parsed = undefined
  }
  const code = isRecord(parsed) ? (parsed.code ?? parsed.StatusCode) : undefined
  if (!isRecord(parsed) || typeof code !== 'number') {
    throw new Failure({
      kind: 'unreadable',
      operation,
      status,
      detail: `HTTP ${status}, not a Feishu answer: ${clean(body, 120) || 'an empty body'}`,
      logId: shownLogId,
      // A page that is not Feishu's answer, but for a 4xx one, may hide that the post went through.
      unanswered: status < 300 || status >= 500,
    })
  }
  if (code === 0) return
  const msg = parsed.msg ?? parsed.StatusMessage
  const hint = HINTS[code]
  throw new Failure({
    kind: 'refused',
    operation,
    status,
    code,
    msg: clean(typeof msg === 'string' ? msg : ''),
    logId: shownLogId,
    hints: hint ? [hint] : [],
  })
}
