/**
 * A local stand-in for the parts of the Feishu / Lark Open Platform the action uses: the tenant token,
 * OKR period create, list and status change, period rules, messages sent as the app's bot, and group custom
 * bot webhooks. It answers with the codes, statuses and body shapes that Feishu's Open Platform documents
 * (https://open.feishu.cn/document/server-docs/okr-v1/period/create and the pages beside it,
 * https://open.feishu.cn/document/server-docs/im-v1/message/create,
 * https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot), says where it has to guess, and can be
 * told to misbehave so that retries and untrusted answers can be tested.
 */
import { createServer, STATUS_CODES } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createHmac, randomBytes, randomInt } from 'node:crypto'
// Months as whole numbers since year 0, so that a rule's periods are plain arithmetic: the action's own YYYY-MM.
import { formatMonth, parseMonth } from '../src/okr/months.js'

export interface PeriodRule {
  period_rule_id: string
  type: string
  /** Months in one period. */
  length: number
  /** 1–12: the month on which the year's first period starts. */
  first_month: number
}

/** 0 default (shown as normal), 1 normal, 2 marked invalid, 3 hidden. */
export type PeriodStatus = 0 | 1 | 2 | 3

export interface StoredPeriod {
  id: string
  period_rule_id: string
  start_month: string
  end_month: string
  zh_name: string
  en_name: string
  status: PeriodStatus
}

/** A period of the tenant's history: it must fit its rule, but may overlap any other period. */
export interface PeriodSeed {
  period_rule_id: string
  start_month: string
  id?: string
  /** 0 by default. */
  status?: PeriodStatus
  /** false: this period is listed without `period_start_time` / `period_end_time`; true by default. */
  times?: boolean
}

/**
 * `code` answers `status` (400 by default) with the JSON `{code, msg}` given, for codes the emulator has no
 * reason of its own to send.
 * `echo` answers HTTP 502 with an HTML page that quotes the request body, as a careless gateway might.
 * `revoke-tokens` makes every token issued so far invalid just before the request is handled, as when a
 * token expires between the token call and the OKR call.
 * `huge` answers HTTP 200 with a JSON-typed body of `bytes` bytes (8 MiB by default) that starts like a Feishu
 * answer, `{"code":0,"msg":"xxx…"}`, sent with its Content-Length.
 * `endless` answers HTTP 200, chunked and JSON-typed, starting the same way, and never ends: it writes 64 KiB
 * chunks as fast as the client reads them until the client closes the connection.
 * `answer` sends `status` (200 by default) with the JSON of `body` verbatim, whatever it holds: an id with a
 * newline in it, a msg with escape sequences, HTML… The request itself has no effect.
 * None of these three performs the request.
 */
export type FaultKind =
  | 'status500'
  | 'gateway'
  | 'ratelimit'
  | 'reset'
  | 'hang'
  | 'truncated'
  | 'commit-then-reset'
  | 'revoke-tokens'
  | 'echo'
  | 'code'
  | 'huge'
  | 'endless'
  | 'answer'

export interface Fault {
  method: string
  /**
   * Pathname only, e.g. `/open-apis/okr/v1/periods`. Ending in `/*`, every path under that prefix:
   * `/open-apis/okr/v1/periods/*` matches each period's PATCH, not `/open-apis/okr/v1/periods` itself.
   */
  path: string
  fault: FaultKind
  /** How many matching requests misbehave; 1 by default. */
  times?: number
  /**
   * How many matching requests to let through first; 0 by default. They are counted as they arrive, even when
   * an earlier fault takes one of them, so `after: 2` always means the third matching request.
   */
  after?: number
  /** `ratelimit`: the `x-ogw-ratelimit-reset` header, in seconds; 1 by default. */
  resetSeconds?: number
  /**
   * HTTP status of `gateway` (502), `ratelimit` (429), `status500` (500), `code` (400) or `answer` (200) instead of
   * the default.
   */
  status?: number
  /** `code`: the body's code and msg. */
  code?: number
  msg?: string
  /** `huge`: the body's size in bytes; 8 MiB by default. */
  bytes?: number
  /** `answer`: the body, sent as `JSON.stringify(body)`. */
  body?: unknown
}

export interface EmulatorOptions {
  port?: number
  appId?: string
  appSecret?: string
  /** HTTP status of a refused token request; Feishu has been seen to use both 200 and 400. */
  authFailureStatus?: number
  scopes?: readonly string[]
  edition?: 'business' | 'standard'
  maxPageSize?: number
  /** false: list items lack `period_start_time` / `period_end_time`, as on older deployments. */
  periodTimes?: boolean
  rules?: readonly PeriodRule[]
  periods?: readonly PeriodSeed[]
  /** true: period ids are bare JSON numbers (19 digits, beyond JavaScript's exact integers) rather than strings. */
  numericIds?: boolean
  /** Serves the API under this path, as a private deployment may (e.g. `/feishu`); requests record the full path. */
  basePath?: string
  /**
   * Which stored periods make a create answer 1001008. `overlap` (the default): any period whose months overlap
   * the new one's. `same-rule`: only an overlapping period of the same rule, so that, say, a yearly period and
   * the quarterly periods inside it can coexist. Feishu does not document which it does; the emulator plays either.
   */
  conflicts?: 'overlap' | 'same-rule'
  /** The chats the app's bot may be sent to; by default one chat, DEFAULT_CHAT_ID, with the bot in it. */
  chats?: readonly Chat[]
  /** false: the app's bot capability is off, so every message is refused (230006); true by default. */
  botEnabled?: boolean
  /** The group custom bots; by default one, DEFAULT_WEBHOOK_TOKEN, with no security setting. */
  webhooks?: readonly Webhook[]
  /**
   * An ISO instant that the emulator's clock reads, e.g. for a test whose action runs with a fixed clock: it
   * dates messages, their one-hour de-duplication window and webhook signatures. The real time by default.
   */
  now?: string
}

export interface Chat {
  chat_id: string
  /** false: the bot is not a member, so messages to the chat are refused (230002); true by default. */
  bot_in_chat?: boolean
}

/** A group's custom bot, reached at `/open-apis/bot/v2/hook/<token>`. */
export interface Webhook {
  token: string
  /** Signature verification on: each post must carry `timestamp` and `sign` made with this secret. */
  secret?: string
  /** Keyword on: each message must contain it. */
  keyword?: string
}

/** A post a webhook accepted, with the body as it came (signature fields included). */
export interface WebhookPost {
  token: string
  body: unknown
}

/** A message the app's bot delivered. */
export interface DeliveredMessage {
  message_id: string
  chat_id: string
  msg_type: string
  /** The card, parsed from the request's `content` string. */
  content: unknown
  uuid?: string
}

export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  /** Parsed JSON, else the raw text, else undefined when the body was empty. */
  body: unknown
  /** Date.now() when the body had fully arrived. */
  receivedAt: number
}

export interface Emulator {
  url: string
  requests: RecordedRequest[]
  periods(): StoredPeriod[]
  /** The messages delivered, in order; a de-duplicated request adds none. */
  messages(): DeliveredMessage[]
  /** The webhook posts accepted, in order. */
  webhookPosts(): WebhookPost[]
  revokeTokens(): void
  /** Sets the emulator's clock to an ISO instant, as the `now` option does; without one, back to the real time. */
  setNow(instant?: string): void
  inject(fault: Fault): void
  close(): Promise<void>
}

export const DEFAULT_APP_ID = 'cli_emulator0000001'
export const DEFAULT_APP_SECRET = 'emulator-app-secret-0001'
export const DEFAULT_RULES: readonly PeriodRule[] = [
  { period_rule_id: '6969864184272078374', type: 'month', length: 3, first_month: 1 },
  { period_rule_id: '6969864184272078375', type: 'year', length: 12, first_month: 1 },
  { period_rule_id: '6969864184272078376', type: 'month', length: 1, first_month: 1 },
]

const DEMO_QUARTERLY = '6969864184272078374'
const DEMO_YEARLY = '6969864184272078375'

/** The demo tenant's rules: quarters and years, both from January. */
export const DEMO_RULES: readonly PeriodRule[] = [
  { period_rule_id: DEMO_QUARTERLY, type: 'month', length: 3, first_month: 1 },
  { period_rule_id: DEMO_YEARLY, type: 'year', length: 12, first_month: 1 },
]

/**
 * The demo tenant's history: 2026 as a year and as four quarters, which coexist, and the quarters of 2025, the
 * first of them already hidden. Enough to show a period opened (2027), one found (any of 2026) and one retired
 * (2025). Fixed ids, so that what the demo prints can be compared from one run to the next.
 */
export const DEMO_PERIODS: readonly PeriodSeed[] = [
  { period_rule_id: DEMO_YEARLY, start_month: '2026-01', id: '7350000000000202600' },
  ...[1, 2, 3, 4].map(quarter => ({
    period_rule_id: DEMO_QUARTERLY,
    start_month: `2026-${String(quarter * 3 - 2).padStart(2, '0')}`,
    id: `735000000000020260${quarter}`,
  })),
  ...[1, 2, 3, 4].map(quarter => ({
    period_rule_id: DEMO_QUARTERLY,
    start_month: `2025-${String(quarter * 3 - 2).padStart(2, '0')}`,
    id: `735000000000020250${quarter}`,
    ...(quarter === 1 ? { status: 3 as const } : {}),
  })),
]

/** The options of the demo tenant, which the CLI serves by default. */
export const DEMO_TENANT: Readonly<EmulatorOptions> = { rules: DEMO_RULES, periods: DEMO_PERIODS }

export const DEFAULT_CHAT_ID = 'oc_emulatorchat0000000000000001'
export const DEFAULT_WEBHOOK_TOKEN = '5e1f7c2a-9b3d-4e6f-8a0b-2c4d6e8f0a1b'
export const DEFAULT_SCOPES: readonly string[] = ['okr:okr', 'im:message:send_as_bot']

export const PATHS = {
  token: '/open-apis/auth/v3/tenant_access_token/internal',
  periods: '/open-apis/okr/v1/periods',
  /** One period, for PATCH (its status). */
  period: (id: string): string => `/open-apis/okr/v1/periods/${encodeURIComponent(id)}`,
  periodRules: '/open-apis/okr/v1/period_rules',
  /** Send a message; the query must say `receive_id_type=chat_id`. */
  messages: '/open-apis/im/v1/messages',
  /** A group custom bot's webhook; the token is the whole credential. */
  webhook: (token: string): string => `/open-apis/bot/v2/hook/${encodeURIComponent(token)}`,
} as const
const WEBHOOK_PREFIX = '/open-apis/bot/v2/hook'

type Body = { code: number; msg: string } & Record<string, unknown>

interface Answer {
  status: number
  body: Body
  headers?: Record<string, string>
}

interface QueuedFault extends Fault {
  remaining: number
  /** Matching requests still to let through. */
  waiting: number
}

/** A request as routed: its path without the base path, and the size of its body. */
interface Incoming extends RecordedRequest {
  bytes: number
}

interface SentMessage extends DeliveredMessage {
  /** The emulator's clock when it was delivered. */
  at: number
  /** The `data` of the answer, given again to a de-duplicated request. */
  data: Record<string, unknown>
}

interface Period extends StoredPeriod {
  /** Listed with `period_start_time` / `period_end_time`. */
  times: boolean
}

const JSON_TYPE = 'application/json; charset=utf-8'
const CHUNK_BYTES = 64 * 1024
const PADDING = Buffer.alloc(CHUNK_BYTES, 'x')
const ANSWER_HEAD = Buffer.from('{"code":0,"msg":"')
const ANSWER_TAIL = Buffer.from('"}')
const NOT_FOUND: Answer = { status: 404, body: { code: 404, msg: '404 page not found' } }
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000
const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const WRITE_SCOPES = ['okr:okr']
const READ_SCOPES = ['okr:okr', 'okr:okr:readonly']
const MESSAGE_SCOPES = ['im:message:send_as_bot', 'im:message']
/** "卡片消息、富文本消息请求体最大不能超过 30 KB" (im-v1 message create). */
const MESSAGE_MAX_BYTES = 30 * 1024
const DEDUP_WINDOW_MS = 60 * 60 * 1000
const TENANT_KEY = '2ed263bf32cf1655'
/** "发送消息时，请求体的数据大小不能超过 20 KB" (custom bot guide). */
const WEBHOOK_MAX_BYTES = 20 * 1024
const SIGNATURE_WINDOW_MS = 60 * 60 * 1000

const MSG = {
  unknown: 'Unknown error. Please contact Feishu Assistant or your customer success manager.',
  invalidParams: 'Invalid parameters. Please check document and modify accordingly.',
  notFound: 'OKR data not found.',
  conflict: 'Conflict period existed.',
  mismatch: 'Start date does not fit for given period rule.',
  edition: 'OpenAPI is unavailable in current edition (Standard edition). Please update to Business edition.',
  noToken: 'Missing access token for authorization',
  badToken: 'Invalid access token for authorization. Please make a request with token attached.',
  rateLimit: 'request trigger frequency limit',
  invalidParam: 'Your request contains an invalid request parameter, ext=',
  fieldValidation: 'field validation failed',
  botOutside: 'The bot can not be outside the group.',
  botInactive: 'Bot ability is not activated.',
  tooLong: 'The length of the message content reaches its limit.',
  hookToken: 'param invalid: incoming webhook access token invalid',
  hookBadRequest: 'Bad Request',
  hookSign: 'sign match fail or timestamp is not within one hour from current time',
  hookKeyword: 'Key Words Not Found',
  cardJson:
    'Failed to create card content, ext=ErrCode: 200621; ErrMsg: parse card json err, please check whether the card json is correct; ErrorValue: ',
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const appId = options.appId ?? DEFAULT_APP_ID
  const appSecret = options.appSecret ?? DEFAULT_APP_SECRET
  const authFailureStatus = options.authFailureStatus ?? 400
  const scopes = options.scopes ?? [...DEFAULT_SCOPES]
  const edition = options.edition ?? 'business'
  const maxPageSize = options.maxPageSize ?? 100
  const periodTimes = options.periodTimes ?? true
  const rules = (options.rules ?? DEFAULT_RULES).map(rule => ({ ...rule }))
  for (const rule of rules) {
    if (
      !Number.isInteger(rule.length) ||
      rule.length < 1 ||
      !Number.isInteger(rule.first_month) ||
      rule.first_month < 1 ||
      rule.first_month > 12
    ) {
      throw new Error(`Emulator: bad period rule ${JSON.stringify(rule)}`)
    }
  }

  const conflicts = options.conflicts ?? 'overlap'
  if (conflicts !== 'overlap' && conflicts !== 'same-rule')
    throw new Error(`Emulator: conflicts must be 'overlap' or 'same-rule', got ${JSON.stringify(conflicts)}`)

  const chats = (options.chats ?? [{ chat_id: DEFAULT_CHAT_ID }]).map(chat => ({
    chat_id: chat.chat_id,
    bot_in_chat: chat.bot_in_chat ?? true,
  }))
  const botEnabled = options.botEnabled ?? true
  let fixedNow = options.now === undefined ? undefined : parseInstant(options.now)
  const now = (): number => fixedNow ?? Date.now()

  const webhooks = (options.webhooks ?? [{ token: DEFAULT_WEBHOOK_TOKEN }]).map(hook => ({ ...hook }))

  const store: Period[] = []
  const sent: SentMessage[] = []
  const posts: WebhookPost[] = []
  const validTokens = new Set<string>()
  const faults: QueuedFault[] = []
  const requests: RecordedRequest[] = []
  const sockets = new Set<Socket>()
  let logCounter = 0

  function newLogId(): string {
    // Shaped like Feishu's (a timestamp, then hex); the counter makes ids unique within one emulator.
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14)
    logCounter += 1
    return `${stamp}${logCounter.toString(16).toUpperCase().padStart(6, '0')}${randomBytes(7).toString('hex').toUpperCase()}`
  }

  function send(res: ServerResponse, logId: string, answer: Answer): void {
    sendJson(res, logId, answer, options.numericIds ?? false)
  }

  function newPeriodId(): string {
    for (;;) {
      const id = `7${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e9)).padStart(9, '0')}`
      if (!store.some(p => p.id === id)) return id
    }
  }

  function issueToken(body: unknown): Answer {
    const refused = (code: number, msg: string): Answer => ({ status: authFailureStatus, body: { code, msg } })
    if (!isRecord(body) || typeof body.app_id !== 'string' || typeof body.app_secret !== 'string')
      return refused(10003, 'invalid param')
    if (body.app_id !== appId) return refused(10003, 'invalid param')
    if (body.app_secret !== appSecret) return refused(10014, 'app secret invalid')
    const token = `t-${randomBytes(15).toString('hex')}`
    validTokens.add(token)
    return { status: 200, body: { code: 0, msg: 'ok', tenant_access_token: token, expire: 7200 } }
  }

  /** The gateway's checks (token, scope), then, for an OKR call, the OKR service's edition check, in that order. */
  function guarded(
    request: RecordedRequest,
    logId: string,
    accepted: string[],
    handle: () => Answer,
    service: 'okr' | 'im' = 'okr',
  ): Answer {
    const authorization = (request.headers['authorization'] ?? '').trim()
    if (authorization === '' || authorization === 'Bearer') return platformError(logId, 99991661, MSG.noToken)
    const token = authorization.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : undefined
    if (token === undefined || !validTokens.has(token)) return platformError(logId, 99991663, MSG.badToken)
    if (!accepted.some(scope => scopes.includes(scope))) {
      return platformError(
        logId,
        99991672,
        `Access denied. One of the following scopes is required: [${accepted.join(', ')}].`,
        { permission_violations: accepted.map(subject => ({ type: 'action_scope_required', subject })) },
      )
    }
    if (service === 'okr' && edition === 'standard') return { status: 403, body: { code: 1000403, msg: MSG.edition } }
    return handle()
  }

  // Synchronous from check to insert, so two concurrent creates of one month cannot both pass the check.
  // A seed skips the conflict check: it is history, which may hold what the conflict mode would now refuse.
  function createPeriod(body: unknown, seed?: PeriodSeed): Answer {
    if (!isRecord(body) || typeof body.period_rule_id !== 'string' || typeof body.start_month !== 'string')
      return okrError(400, 1001001, MSG.invalidParams)
    const start = parseMonth(body.start_month)
    if (start === undefined) return okrError(400, 1001001, MSG.invalidParams)
    const rule = rules.find(r => r.period_rule_id === body.period_rule_id)
    if (!rule) return okrError(400, 1001004, MSG.notFound)
    if (modulo(start - (rule.first_month - 1), rule.length) !== 0) return okrError(400, 1001009, MSG.mismatch)
    const end = start + rule.length - 1
    // Hidden and invalid periods still exist (Feishu cannot delete a period), so they conflict too.
    const conflicting = store.some(
      p =>
        (conflicts === 'overlap' || p.period_rule_id === rule.period_rule_id) &&
        parseMonth(p.start_month)! <= end &&
        parseMonth(p.end_month)! >= start,
    )
    if (seed === undefined && conflicting) return okrError(400, 1001008, MSG.conflict)
    const names = periodNames(start, end)
    const period: Period = {
      id: seed?.id ?? newPeriodId(),
      period_rule_id: rule.period_rule_id,
      start_month: formatMonth(start),
      end_month: formatMonth(end),
      zh_name: names.zh,
      en_name: names.en,
      status: seed?.status ?? 0,
      times: seed?.times ?? true,
    }
    store.push(period)
    return success({ period_id: period.id, start_month: period.start_month, end_month: period.end_month })
  }

  function listPeriods(query: Record<string, string>): Answer {
    const sizeText = query['page_size'] ?? ''
    if (sizeText !== '' && !/^[1-9]\d*$/.test(sizeText)) return okrError(400, 1001001, MSG.invalidParams)
    const pageSize = Math.min(sizeText === '' ? 10 : Number(sizeText), maxPageSize)
    const ordered = [...store].sort((a, b) => parseMonth(b.start_month)! - parseMonth(a.start_month)!)
    const offset = decodePageToken(query['page_token'] ?? '', ordered.length)
    if (offset === undefined) return okrError(400, 1001001, MSG.invalidParams)
    const page = ordered.slice(offset, offset + pageSize)
    const hasMore = offset + page.length < ordered.length
    return success({
      has_more: hasMore,
      ...(hasMore ? { page_token: encodePageToken(offset + page.length) } : {}),
      items: page.map(p => describePeriod(p, periodTimes && p.times)),
    })
  }

  // Feishu has no call that deletes a period; this is how a tenant retires one.
  function patchPeriod(id: string, body: unknown): Answer {
    if (!isRecord(body) || !(body.status === 1 || body.status === 2 || body.status === 3))
      return okrError(400, 1001001, MSG.invalidParams)
    const period = store.find(p => p.id === id)
    if (!period) return okrError(400, 1001004, MSG.notFound)
    period.status = body.status
    return success({ period_id: period.id, status: period.status })
  }

  /**
   * Sends a card as the app's bot. The codes are those of Feishu's page for this call
   * (https://open.feishu.cn/document/server-docs/im-v1/message/create, "错误码") and of its FAQ on 230001
   * (https://open.feishu.cn/document/faq/trouble-shooting/how-to-resolve-error-230001), except 99992402, which
   * neither page lists: it is the platform's answer to a field that breaks a documented rule (a missing required
   * field, a uuid over 50 characters), as reported by developers; its use here is a plausible guess. The order of
   * the checks is not documented either. Only chat ids and cards are supported: the action sends nothing else.
   */
  function sendMessage(request: Incoming, logId: string): Answer {
    const refuse = (code: number, msg: string, extra?: Record<string, unknown>): Answer =>
      platformError(logId, code, msg, extra)
    const violation = (field: string, description: string): Answer =>
      refuse(99992402, MSG.fieldValidation, { field_violations: [{ field, description }] })
    const idType = request.query['receive_id_type'] ?? ''
    if (idType === '') return violation('receive_id_type', 'receive_id_type is required')
    if (idType !== 'chat_id') return refuse(230001, `${MSG.invalidParam}invalid receive_id_type`)
    if (request.bytes > MESSAGE_MAX_BYTES) return refuse(230025, MSG.tooLong)
    const body = isRecord(request.body) ? request.body : {}
    for (const field of ['receive_id', 'msg_type', 'content'] as const) {
      if (typeof body[field] !== 'string' || body[field] === '') return violation(field, `${field} is required`)
    }
    const { receive_id: chatId, msg_type: msgType, content } = body as Record<string, string>
    const uuid = body.uuid
    if (uuid !== undefined && (typeof uuid !== 'string' || [...uuid].length > 50))
      return violation('uuid', 'the max length of uuid is 50')
    if (msgType !== 'interactive') return refuse(230001, `${MSG.invalidParam}invalid msg_type`)
    let card: unknown
    try {
      card = JSON.parse(content)
    } catch {
      return refuse(230001, `${MSG.invalidParam}invalid message content, content is not a string in json format`)
    }
    if (!isRecord(card)) return refuse(230099, `${MSG.cardJson}${content.slice(0, 100)}`)
    // "持有相同 uuid 的请求，在 1 小时内至多成功发送一条消息": the twin of a delivered message is answered with it.
    const twin = uuid === undefined ? undefined : sent.find(m => m.uuid === uuid && now() - m.at < DEDUP_WINDOW_MS)
    if (twin !== undefined) return success(structuredClone(twin.data))
    if (!botEnabled) return refuse(230006, MSG.botInactive)
    const chat = chats.find(c => c.chat_id === chatId)
    if (chat === undefined) return refuse(230001, `${MSG.invalidParam}invalid receive_id`)
    if (!chat.bot_in_chat) return refuse(230002, MSG.botOutside)
    const at = now()
    const data = {
      message_id: `om_${randomBytes(16).toString('hex')}`,
      msg_type: msgType,
      create_time: String(at),
      update_time: String(at),
      deleted: false,
      updated: false,
      chat_id: chatId,
      sender: { id: appId, id_type: 'app_id', sender_type: 'app', tenant_key: TENANT_KEY },
      body: { content },
    }
    sent.push({ message_id: data.message_id, chat_id: chatId, msg_type: msgType, content: card, uuid, at, data })
    return success(structuredClone(data))
  }

  /**
   * A group custom bot's webhook, after Feishu's custom bot guide
   * (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot): 9499 for a bad body (or one over
   * 20 KB), 19021 for a wrong or missing signature or a timestamp over an hour away, 19024 for a missing keyword.
   * The guide does not give 19001, the answer to an unknown token; that one, and HTTP 200 for every failure, are
   * what developers report Feishu answering. The order of the checks is a guess.
   */
  function postWebhook(token: string, request: Incoming): Answer {
    const answer = (code: number, msg: string): Answer => ({ status: 200, body: { code, msg, data: {} } })
    const hook = webhooks.find(h => h.token === token)
    if (hook === undefined) return answer(19001, MSG.hookToken)
    if (request.bytes > WEBHOOK_MAX_BYTES || !isRecord(request.body)) return answer(9499, MSG.hookBadRequest)
    const body = request.body
    if (hook.secret !== undefined && !signatureHolds(body, hook.secret, now())) return answer(19021, MSG.hookSign)
    const texts = webhookTexts(body)
    if (texts === undefined) return answer(9499, MSG.hookBadRequest)
    if (hook.keyword !== undefined && !texts.some(text => text.includes(hook.keyword!)))
      return answer(19024, MSG.hookKeyword)
    posts.push({ token, body: structuredClone(body) })
    return answer(0, 'success')
  }

  function route(request: Incoming, logId: string): Answer {
    const hookToken = childOf(WEBHOOK_PREFIX, request.path)
    if (hookToken !== undefined) return request.method === 'POST' ? postWebhook(hookToken, request) : NOT_FOUND
    const periodId = childOf(PATHS.periods, request.path)
    if (periodId !== undefined) {
      if (request.method === 'PATCH')
        return guarded(request, logId, WRITE_SCOPES, () => patchPeriod(periodId, request.body))
      return NOT_FOUND
    }
    switch (`${request.method} ${request.path}`) {
      case `POST ${PATHS.token}`:
        return issueToken(request.body)
      case `POST ${PATHS.periods}`:
        return guarded(request, logId, WRITE_SCOPES, () => createPeriod(request.body))
      case `GET ${PATHS.periods}`:
        return guarded(request, logId, READ_SCOPES, () => listPeriods(request.query))
      case `GET ${PATHS.periodRules}`:
        return guarded(request, logId, READ_SCOPES, () => success({ period_rules: rules.map(rule => ({ ...rule })) }))
      case `POST ${PATHS.messages}`:
        return guarded(request, logId, MESSAGE_SCOPES, () => sendMessage(request, logId), 'im')
      default:
        return NOT_FOUND
    }
  }

  /** The first due fault that matches, if any; every waiting fault that matches counts the request. */
  function takeFault(method: string, path: string): QueuedFault | undefined {
    let taken: QueuedFault | undefined
    for (const fault of faults) {
      if (fault.method !== method || !pathMatches(fault.path, path)) continue
      if (fault.waiting > 0) fault.waiting -= 1
      else taken ??= fault
    }
    if (taken !== undefined) {
      taken.remaining -= 1
      if (taken.remaining === 0) faults.splice(faults.indexOf(taken), 1)
    }
    return taken
  }

  function respond(req: IncomingMessage, res: ServerResponse, request: Incoming): void {
    const logId = newLogId()
    const fault = takeFault(request.method, request.path)
    switch (fault?.fault) {
      case undefined:
        return send(res, logId, route(request, logId))
      case 'status500':
        return send(res, logId, { status: fault.status ?? 500, body: { code: 1009999, msg: MSG.unknown } })
      case 'ratelimit':
        return send(res, logId, {
          status: fault.status ?? 429,
          body: { code: 99991400, msg: MSG.rateLimit },
          headers: { 'x-ogw-ratelimit-limit': '100', 'x-ogw-ratelimit-reset': String(fault.resetSeconds ?? 1) },
        })
      case 'gateway': {
        const status = fault.status ?? 502
        const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`
        const html = `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center></body></html>`
        res.writeHead(status, {
          'Content-Type': 'text/html',
          'Content-Length': Buffer.byteLength(html),
          'X-Tt-Logid': logId,
        })
        res.end(html)
        return
      }
      case 'truncated': {
        // The operation happens; only its answer is cut short, so a retry sees its effect.
        const answer = route(request, logId)
        const text = JSON.stringify(answer.body)
        res.writeHead(answer.status, { 'Content-Type': JSON_TYPE, 'Transfer-Encoding': 'chunked', 'X-Tt-Logid': logId })
        res.end(text.slice(0, Math.floor(text.length / 2)))
        return
      }
      case 'commit-then-reset':
        route(request, logId)
        req.socket.resetAndDestroy()
        return
      case 'reset':
        req.socket.resetAndDestroy()
        return
      case 'hang':
        return
      case 'code':
        return send(res, logId, { status: fault.status ?? 400, body: { code: fault.code ?? 0, msg: fault.msg ?? '' } })
      case 'echo': {
        const quoted = JSON.stringify(request.body).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')
        const html = `<html><body><h1>502 Bad Gateway</h1><pre>${quoted}</pre></body></html>`
        res.writeHead(502, {
          'Content-Type': 'text/html',
          'Content-Length': Buffer.byteLength(html),
          'X-Tt-Logid': logId,
        })
        res.end(html)
        return
      }
      case 'revoke-tokens':
        validTokens.clear()
        return send(res, logId, route(request, logId))
      case 'answer': {
        const text = JSON.stringify(fault.body)
        res.writeHead(fault.status ?? 200, {
          'Content-Type': JSON_TYPE,
          'Content-Length': Buffer.byteLength(text),
          'X-Tt-Logid': logId,
        })
        res.end(text)
        return
      }
      case 'huge': {
        const size = Math.max(fault.bytes ?? 8 * 1024 * 1024, ANSWER_HEAD.length + ANSWER_TAIL.length)
        res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Content-Length': size, 'X-Tt-Logid': logId })
        return void pump(res, hugeBody(size))
      }
      case 'endless': {
        res.writeHead(200, { 'Content-Type': JSON_TYPE, 'X-Tt-Logid': logId })
        // A fresh buffer each time, like a real server's, so that holding chunks back would show as memory.
        let first = true
        return void pump(res, () => {
          const chunk = Buffer.from(PADDING)
          if (first) ANSWER_HEAD.copy(chunk)
          first = false
          return chunk
        })
      }
    }
  }

  for (const seed of options.periods ?? []) {
    if (seed.id !== undefined && store.some(p => p.id === seed.id))
      throw new Error(`Emulator: duplicate seed period id ${seed.id}`)
    if (seed.status !== undefined && ![0, 1, 2, 3].includes(seed.status))
      throw new Error(`Emulator: seed period status must be 0, 1, 2 or 3, got ${JSON.stringify(seed.status)}`)
    const answer = createPeriod(seed, seed)
    if (answer.body.code !== 0)
      throw new Error(`Emulator: cannot seed period ${JSON.stringify(seed)}: ${answer.body.code} ${answer.body.msg}`)
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('error', () => undefined)
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const request = recordRequest(req, raw.toString('utf8'))
      requests.push(request)
      const basePath = options.basePath ?? ''
      const underBase = request.path.startsWith(`${basePath}/`)
      try {
        respond(req, res, {
          ...request,
          path: underBase ? request.path.slice(basePath.length) : `/outside-base-path${request.path}`,
          bytes: raw.length,
        })
      } catch (error) {
        // A bug in the emulator should fail the test loudly, not hang it.
        if (!res.headersSent)
          send(res, newLogId(), { status: 500, body: { code: 1009999, msg: `Emulator error: ${String(error)}` } })
      }
    })
  })
  server.on('connection', socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    periods: () => store.map(({ times: _times, ...period }) => period),
    webhookPosts: () => posts.map(post => structuredClone(post)),
    messages: () =>
      sent.map(({ message_id, chat_id, msg_type, content, uuid }) => ({
        message_id,
        chat_id,
        msg_type,
        content: structuredClone(content),
        uuid,
      })),
    revokeTokens: () => validTokens.clear(),
    setNow(instant?: string): void {
      fixedNow = instant === undefined ? undefined : parseInstant(instant)
    },
    inject(fault: Fault): void {
      const times = fault.times ?? 1
      if (!Number.isInteger(times) || times < 1)
        throw new Error(`Emulator: inject times must be a positive integer, got ${times}`)
      const after = fault.after ?? 0
      if (!Number.isInteger(after) || after < 0)
        throw new Error(`Emulator: inject after must be a non-negative integer, got ${after}`)
      if (fault.bytes !== undefined && (!Number.isInteger(fault.bytes) || fault.bytes < 1))
        throw new Error(`Emulator: inject bytes must be a positive integer, got ${fault.bytes}`)
      if (fault.fault === 'answer' && fault.body === undefined)
        throw new Error('Emulator: an answer fault needs a body')
      faults.push({ ...fault, method: fault.method.toUpperCase(), remaining: times, waiting: after })
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close(error => {
          if (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(error)
          else resolve()
        })
        // server.close() waits for open connections; hung and keep-alive ones would never end on their own.
        for (const socket of sockets) socket.destroy()
      }),
  }
}

function recordRequest(req: IncomingMessage, raw: string): RecordedRequest {
  const target = req.url ?? '/'
  const queryStart = target.indexOf('?')
  const path = queryStart < 0 ? target : target.slice(0, queryStart)
  const query = Object.fromEntries(new URLSearchParams(queryStart < 0 ? '' : target.slice(queryStart + 1)))
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return { method: req.method ?? 'GET', path, query, headers, body: parseBody(raw), receivedAt: Date.now() }
}

function parseBody(raw: string): unknown {
  if (raw === '') return undefined
  try {
    return JSON.parse(raw) as unknown
  } catch {
    return raw
  }
}

function sendJson(res: ServerResponse, logId: string, answer: Answer, numericIds = false): void {
  const json = JSON.stringify(answer.body)
  // Written as bare digits, the way a JSON number of 19 digits would come from a server that is not JavaScript.
  const text = numericIds ? json.replace(/"(period_id|id)":"(\d+)"/g, '"$1":$2') : json
  res.writeHead(answer.status, {
    'Content-Type': JSON_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'X-Tt-Logid': logId,
    ...answer.headers,
  })
  res.end(text)
}

/**
 * Writes the chunks `next` gives until it gives none, then ends the answer. It waits for 'drain' whenever the
 * socket's buffer is full, so at most about one chunk is ever held, and stops as soon as the client goes away
 * (or close() destroys the socket).
 */
async function pump(res: ServerResponse, next: () => Buffer | undefined): Promise<void> {
  let gone = false
  res.once('close', () => (gone = true))
  // A write racing the client's close fails on the socket; there is nobody left to tell.
  res.on('error', () => undefined)
  while (!gone) {
    const chunk = next()
    if (chunk === undefined) {
      res.end()
      return
    }
    if (res.write(chunk)) {
      // Yield even when the socket keeps up, so that a fast client cannot starve the server.
      await new Promise(resolve => setImmediate(resolve))
    } else {
      await new Promise<void>(resolve => {
        const resume = (): void => {
          res.off('drain', resume)
          res.off('close', resume)
          resolve()
        }
        res.on('drain', resume)
        res.on('close', resume)
      })
    }
  }
}

/** `{"code":0,"msg":"xxx…x"}`, `size` bytes in all, in chunks of at most CHUNK_BYTES. */
function hugeBody(size: number): () => Buffer | undefined {
  const tailStart = size - ANSWER_TAIL.length
  let offset = 0
  return () => {
    if (offset >= size) return undefined
    const length = Math.min(CHUNK_BYTES, size - offset)
    const chunk = Buffer.from(PADDING.subarray(0, length))
    if (offset < ANSWER_HEAD.length) ANSWER_HEAD.copy(chunk, 0, offset)
    if (offset + length > tailStart) {
      const from = Math.max(0, offset - tailStart)
      ANSWER_TAIL.copy(chunk, Math.max(0, tailStart - offset), from)
    }
    offset += length
    return chunk
  }
}

/** The platform's error shape: HTTP 400, and the log id and a troubleshooting link beside any details. */
function platformError(logId: string, code: number, msg: string, extra: Record<string, unknown> = {}): Answer {
  return {
    status: 400,
    body: {
      code,
      msg,
      error: { ...extra, log_id: logId, troubleshooter: `https://open.feishu.cn/search?log_id=${logId}` },
    },
  }
}

/**
 * The custom bot's signature: base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = empty)), with a
 * timestamp in seconds no more than an hour from the emulator's clock. A timestamp may come as a string (as the
 * guide shows) or as a number.
 */
function signatureHolds(body: Record<string, unknown>, secret: string, nowMs: number): boolean {
  const { timestamp, sign } = body
  const text =
    typeof timestamp === 'string' && /^\d+$/.test(timestamp)
      ? timestamp
      : typeof timestamp === 'number' && Number.isSafeInteger(timestamp) && timestamp >= 0
        ? String(timestamp)
        : undefined
  if (text === undefined || typeof sign !== 'string') return false
  if (Math.abs(nowMs - Number(text) * 1000) > SIGNATURE_WINDOW_MS) return false
  return sign === createHmac('sha256', `${text}\n${secret}`).update('').digest('base64')
}

/**
 * What a webhook's keyword is looked for in: the text of a text message, or the JSON of a card and every string
 * in it. Undefined when the body is neither `{msg_type: "text", content: {text}}` nor
 * `{msg_type: "interactive", card: {…}}`.
 */
function webhookTexts(body: Record<string, unknown>): string[] | undefined {
  if (body.msg_type === 'text')
    return isRecord(body.content) && typeof body.content.text === 'string' ? [body.content.text] : undefined
  if (body.msg_type !== 'interactive' || !isRecord(body.card)) return undefined
  const texts = [JSON.stringify(body.card)]
  const collect = (value: unknown): void => {
    if (typeof value === 'string') texts.push(value)
    else if (Array.isArray(value)) value.forEach(collect)
    else if (isRecord(value)) Object.values(value).forEach(collect)
  }
  collect(body.card)
  return texts
}

function parseInstant(text: string): number {
  const at = Date.parse(text)
  if (Number.isNaN(at)) throw new Error(`Emulator: now must be an ISO instant, got ${JSON.stringify(text)}`)
  return at
}

function success(data: Record<string, unknown>): Answer {
  return { status: 200, body: { code: 0, msg: 'success', data } }
}

function okrError(status: number, code: number, msg: string): Answer {
  return { status, body: { code, msg } }
}

/** `pattern` is a path, or a prefix ending in `/*` that matches every longer path under it. */
function pathMatches(pattern: string, path: string): boolean {
  if (!pattern.endsWith('/*')) return pattern === path
  const prefix = pattern.slice(0, -1)
  return path.length > prefix.length && path.startsWith(prefix)
}

/** The one path segment under `prefix` (decoded), e.g. the period id of `/open-apis/okr/v1/periods/:id`. */
function childOf(prefix: string, path: string): string | undefined {
  if (!path.startsWith(`${prefix}/`)) return undefined
  const segment = path.slice(prefix.length + 1)
  if (segment === '' || segment.includes('/')) return undefined
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function modulo(a: number, n: number): number {
  return ((a % n) + n) % n
}

// Base64 so that clients treat the token as opaque rather than doing arithmetic on it.
function encodePageToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url')
}

function decodePageToken(token: string, total: number): number | undefined {
  if (token === '') return 0
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'))
  if (!match || encodePageToken(Number(match[1])) !== token) return undefined
  const offset = Number(match[1])
  return offset <= total ? offset : undefined
}

/** 00:00 China time of `day` in the month `month`; day 0 is the previous month's last day. */
function chinaMidnight(month: number, day: number): number {
  const date = new Date(0)
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  date.setUTCFullYear(Math.floor(month / 12), month % 12, day)
  return date.getTime() - CHINA_OFFSET_MS
}

function periodNames(start: number, end: number): { zh: string; en: string } {
  const [startYear, startOfYear] = [Math.floor(start / 12), (start % 12) + 1]
  const [endYear, endOfYear] = [Math.floor(end / 12), (end % 12) + 1]
  const en = (m: number): string => EN_MONTHS[m - 1]
  if (start === end) return { zh: `${startYear} 年 ${startOfYear} 月`, en: `${en(startOfYear)} ${startYear}` }
  if (startYear === endYear)
    return {
      zh: `${startYear} 年 ${startOfYear} - ${endOfYear} 月`,
      en: `${en(startOfYear)} - ${en(endOfYear)} ${startYear}`,
    }
  return {
    zh: `${startYear} 年 ${startOfYear} 月 - ${endYear} 年 ${endOfYear} 月`,
    en: `${en(startOfYear)} ${startYear} - ${en(endOfYear)} ${endYear}`,
  }
}

function describePeriod(period: StoredPeriod, withTimes: boolean): Record<string, unknown> {
  const start = parseMonth(period.start_month)!
  const end = parseMonth(period.end_month)!
  return {
    id: period.id,
    zh_name: period.zh_name,
    en_name: period.en_name,
    status: period.status,
    ...(withTimes
      ? { period_start_time: String(chinaMidnight(start, 1)), period_end_time: String(chinaMidnight(end + 1, 0)) }
      : {}),
  }
}
