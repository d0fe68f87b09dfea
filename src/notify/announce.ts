import { createHash } from 'node:crypto'
import * as core from '@actions/core'
import type { FeishuClient } from '../feishu/client.js'
import { Failure, describeFailure, isFailure, isRefusal } from '../feishu/errors.js'
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
}

export interface Announcement {
  /** Where it was delivered (in a dry run: where it would be), e.g. "chat oc_…", "the group webhook". */
  delivered: string[]
  /** Why nothing was sent, when nothing was meant to be. */
  skipped?: string
  failure?: Failure
}

const MESSAGE_SCOPES = ['im:message:send_as_bot', 'im:message']

/** Codes of the message API (im/v1/messages) and what the user can do; others are explained by the platform. */
const MESSAGE_HINTS: Record<number, string> = {
  230001: 'Check notify_chat_id: it must be the chat_id (oc_…) of a chat in this tenant.',
  230002: "The app's bot is not in the chat: add the bot to the group (group settings → Bots → Add bot).",
  230006: 'Enable the bot capability of the app (developer console → Add features → Bot) and publish a new version.',
  230013: 'The bot may not speak in this chat: check who may send messages in the group settings.',
  230027: "The app's bot lacks permission to send to this chat.",
}

/**
 * Announces the periods in a Feishu chat, once per run: as the app's bot, with a `uuid` that lets Feishu drop a
 * second copy of a retried message, and through a group's webhook. Sent after the periods are open; a failure
 * here is reported, never thrown, so that what was opened stands.
 */
export async function announce(
  client: FeishuClient,
  request: NotifyRequest,
  periods: AnnouncedPeriod[],
  created: number,
  runUrl: string | undefined,
): Promise<Announcement> {
  if (request.when === 'created' && created === 0) {
    core.info('No period was created by this run, so no announcement is sent (notify_when: created).')
    return { delivered: [], skipped: 'no period was created by this run' }
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
    channels.push([
      'the group webhook',
      () => postWebhook(client.transport, webhook, { msg_type: 'interactive', card }, request.maxRetries, new Date()),
    ])
  }

  if (request.dryRun) {
    core.info(`Dry run: would announce in ${channels.map(([where]) => where).join(' and ')}: ${JSON.stringify(card)}`)
    return { delivered: [], skipped: 'dry run' }
  }
  const delivered: string[] = []
  const failures: Failure[] = []
  for (const [where, send] of channels) {
    try {
      await send()
      core.info(`Announced the period${periods.length === 1 ? '' : 's'} in ${where}.`)
      delivered.push(where)
    } catch (error) {
      if (!isFailure(error)) throw error
      failures.push(error)
    }
  }
  if (failures.length === 0) return { delivered }
  const opened = periods.map(p => `${p.startMonth} to ${p.endMonth}${p.id ? ` (${p.id})` : ''}`).join(', ')
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
