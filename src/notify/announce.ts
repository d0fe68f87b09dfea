import { createHash } from 'node:crypto'
import * as core from '@actions/core'
import type { FeishuClient } from '../feishu/client.js'
import { Failure, describeFailure, isFailure, isRefusal } from '../feishu/errors.js'
import { Transport } from '../feishu/transport.js'
import { type Webhook, postWebhook } from '../feishu/webhook.js'
import { type AnnouncedPeriod, MAX_CARD_BYTES, buildCard, renderText } from './card.js'

export interface NotifyRequest {
  /** A chat (`oc_…`) the app's bot is in. */
  chatId?: string
  webhook?: Webhook
  /** `notify_text`, placeholders checked. */
  template: string
  /** created: only when this run created a period; always: also for periods that existed. */
  when: 'created' | 'always'
  dryRun: boolean
  maxRetries: number
  timeoutMs: number
}

export interface Announcement {
  /** Where it was delivered, e.g. "chat oc_…", "the group webhook"; empty in a dry run. */
  delivered: string[]
  /** Why nothing was sent, when nothing was meant to be (in a dry run, where it would have gone). */
  skipped?: string
  failure?: Failure
}

const MESSAGE_SCOPES = ['im:message:send_as_bot', 'im:message']

/**
 * Codes of the message API (im/v1/messages) and what the user can do. A missing scope (99991672) is the
 * platform's, whose hint names the scope.
 */
const MESSAGE_HINTS: Record<number, string> = {
  230001:
    "Check notify_chat_id: it must be the chat_id (oc_…) of an existing group of this tenant, as the group's settings show it.",
  230002: "The app's bot is not in the chat: add the bot to the group (group settings → Bots → Add bot).",
  230006:
    'Enable the bot capability of the app (developer console → Add features → Bot) and publish a new version of the app.',
  230025: 'The announcement is longer than Feishu takes in one message: shorten notify_text.',
  230027:
    'The app lacks a permission the message needs: grant it the scope im:message:send_as_bot (or im:message) and publish a new version of the app.',
  230099: 'Feishu could not read the card; report this as a bug of the action.',
  99992402: 'Feishu refused a field of the message; report this as a bug of the action.',
}

/** Codes of a custom bot's webhook, and what the user can do. */
const WEBHOOK_HINTS: Record<number, string> = {
  19021:
    'The signature was refused: check notify_webhook_secret against the bot\'s "Signature verification" secret, and the runner\'s clock (Feishu allows an hour either way).',
  19022: "The runner's IP address is not on the group bot's IP allowlist.",
  19024: 'The group bot requires a keyword: put one of its keywords in notify_text.',
  19001: "Feishu does not know this webhook: copy the URL again from the group bot's settings.",
  9499: 'Feishu could not read the message; report this as a bug of the action.',
  11232: 'The group bot is rate limited (about 5 messages a second, 100 a minute); try again in a minute.',
}

/**
 * Announces the periods in a Feishu chat, once per run: as the app's bot, with a `uuid` that lets Feishu drop a
 * second copy of a retried message, and through a group's webhook. Sent after the periods are open; a failure
 * here is reported, never thrown, so that what was opened stands.
 *
 * With `notify_when: created` the card lists the periods this run created, so that the re-run that completes a
 * series announces only what it added; with `always`, every period of the run.
 */
export async function announce(
  client: FeishuClient,
  request: NotifyRequest,
  all: AnnouncedPeriod[],
  runUrl: string | undefined,
): Promise<Announcement> {
  const periods = request.when === 'created' ? all.filter(period => period.created) : all
  if (periods.length === 0) {
    core.info(
      request.dryRun
        ? 'Dry run: no period would be created, so a real run would send no announcement (notify_when: created).'
        : 'No period was created by this run, so no announcement is sent (notify_when: created).',
    )
    return { delivered: [], skipped: `no period ${request.dryRun ? 'would be' : 'was'} created by this run` }
  }
  const text = renderText(request.template, { periods, runUrl })
  const { card, shortened } = buildCard(text, periods.length)
  if (shortened) {
    core.warning(
      `notify_text, with its placeholders filled in, is longer than a card may be (${MAX_CARD_BYTES / 1024} KB); the announcement is cut short.`,
    )
  }
  const channels: [string, () => Promise<void>][] = []
  if (request.chatId) {
    const chatId = request.chatId
    channels.push([`chat ${chatId}`, () => sendAsBot(client, chatId, card, periods)])
  }
  if (request.webhook) {
    const webhook = request.webhook
    channels.push(['the group webhook', () => postToWebhook(webhook, card, request)])
  }

  const where = channels.map(([name]) => name).join(' and ')
  if (request.dryRun) {
    core.info(`Dry run: would announce in ${where}: ${JSON.stringify(card)}`)
    return { delivered: [], skipped: `dry run: it would go to ${where}` }
  }
  const delivered: string[] = []
  const failures: Failure[] = []
  for (const [name, send] of channels) {
    try {
      await send()
      core.info(`Announced the period${periods.length === 1 ? '' : 's'} in ${name}.`)
      delivered.push(name)
    } catch (error) {
      if (!isFailure(error)) throw error
      failures.push(error)
    }
  }
  if (failures.length === 0) return { delivered }
  const opened = periods.map(p => `${p.id ? `${p.id}: ` : ''}${p.startMonth} to ${p.endMonth}`).join('; ')
  return {
    delivered,
    failure: new Failure({
      kind: 'announcement',
      detail: `The period${periods.length === 1 ? ' is' : 's are'} open (${opened}), but the announcement was not sent: ${failures.map(describeFailure).join(' ')}`,
      hints: [
        delivered.length ? `It did reach ${delivered.join(' and ')}.` : undefined,
        'To send it again, re-run with notify_when: always and allow_existing: true.',
      ].filter((hint): hint is string => hint !== undefined),
    }),
  }
}

/**
 * On a connection of its own: one kept alive from the API calls may have been closed by the server in between, and
 * a webhook post that fails on it cannot be told from one that arrived, so it could not be retried.
 */
async function postToWebhook(webhook: Webhook, card: Record<string, unknown>, request: NotifyRequest): Promise<void> {
  const transport = new Transport(request.timeoutMs, 'timeout_seconds')
  try {
    await postWebhook(transport, webhook, { msg_type: 'interactive', card }, request.maxRetries, new Date())
  } catch (error) {
    throw isRefusal(error) ? error.withHint(WEBHOOK_HINTS[error.fields.code ?? 0]) : error
  } finally {
    transport.dispose()
  }
}

async function sendAsBot(
  client: FeishuClient,
  chatId: string,
  card: Record<string, unknown>,
  periods: AnnouncedPeriod[],
): Promise<void> {
  try {
    await client.call({
      operation: `Sending the announcement to chat ${chatId}`,
      method: 'POST',
      path: '/open-apis/im/v1/messages?receive_id_type=chat_id',
      body: {
        receive_id: chatId,
        msg_type: 'interactive',
        content: JSON.stringify(card),
        uuid: messageUuid(chatId, periods),
      },
      scopes: MESSAGE_SCOPES,
    })
  } catch (error) {
    throw isRefusal(error) ? error.withHint(MESSAGE_HINTS[error.fields.code ?? 0]) : error
  }
}

/**
 * Feishu sends at most one message per `uuid` within an hour, so a retry, or a re-run within the hour, whose first
 * message was delivered sends no second one. Derived from the chat and the periods, nothing else.
 */
export function messageUuid(chatId: string, periods: AnnouncedPeriod[]): string {
  const key = [chatId, ...periods.map(p => `${p.id}:${p.startMonth}:${p.endMonth}`)].join('|')
  return `okr-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`
}
