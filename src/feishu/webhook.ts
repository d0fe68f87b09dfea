import { createHmac } from 'node:crypto'
import { withRetries } from './client.js'
import { answerLogId, parseAnswer, unreadable } from './envelope.js'
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
function readWebhookAnswer(operation: string, answer: Answer): void {
  const parsed = parseAnswer(answer)
  const code = isRecord(parsed) ? (parsed.code ?? parsed.StatusCode) : undefined
  if (!isRecord(parsed) || typeof code !== 'number') throw unreadable(operation, answer)
  if (code === 0) return
  const msg = parsed.msg ?? parsed.StatusMessage
  throw new Failure({
    kind: 'refused',
    operation,
    status: answer.status,
    code,
    msg: clean(typeof msg === 'string' ? msg : ''),
    logId: answerLogId(answer),
  })
}
