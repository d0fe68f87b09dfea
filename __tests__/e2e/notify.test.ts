/**
 * Announcements, on the bundle against the emulator: as the app's bot (im/v1/messages) and through a group's
 * custom bot (webhook), one card per run, never twice, with every secret kept out of the log, the outputs and
 * the summary, and a failed announcement that leaves the periods standing and says how to send it again.
 */
import { describe, expect, it } from '@jest/globals'
import { createHmac } from 'node:crypto'
import { createServer } from 'node:net'
import { DEFAULT_CHAT_ID, DEFAULT_WEBHOOK_TOKEN, type Emulator, PATHS } from '../../emulator/feishu.js'
import type { RunOptions } from '../../emulator/runner.js'
import { printed, QUARTERLY, runOn, startsEmulator } from '../support/fixtures.js'
import { TOKEN, CREATE, LIST, RULES, sent } from '../support/requests.js'

let emulator: Emulator
const start = startsEmulator(started => (emulator = started))

const run = (inputs: Record<string, string> = {}, more: Omit<RunOptions, 'inputs'> = {}) =>
  runOn(emulator, inputs, more)

const MESSAGE = `POST ${PATHS.messages}`
const hook = (token: string): string => `POST ${PATHS.webhook(token)}`
const webhookUrl = (token: string = DEFAULT_WEBHOOK_TOKEN): string => `${emulator.url}${PATHS.webhook(token)}`

const SECRET = 'wh-sign-Secret-7c1d9e'
const SIGNED_TOKEN = '0f6b2c1e-5a3d-4c7b-9e8f-1a2b3c4d5e6f'
const OTHER_CHAT = 'oc_emulatorchat0000000000000002'

/** Written out here from the custom bot guide, not imported: base64(HMAC-SHA256(key = timestamp + "\n" + secret, "")). */
function signature(timestamp: string, secret: string): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64')
}

/** The card's lark_md text, the part the user writes. */
function cardText(card: unknown): string {
  const { elements } = card as { elements: { tag: string; text?: { tag: string; content: string } }[] }
  return elements
    .filter(element => element.tag === 'div' && element.text?.tag === 'lark_md')
    .map(element => element.text!.content)
    .join('\n')
}

const unmasked = (text: string): string => text.replace(/^::add-mask::.*$/gm, '')
const retryLines = (stdout: string): string[] =>
  stdout.split('\n').filter(line => / failed \(.*\); retrying in /.test(line))

/** A loopback port nobody listens on: a connection to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

describe("as the app's bot", () => {
  it('a created period: one card in the chat, after the create, and the outputs and summary say so', async () => {
    await start()
    const result = await run({ notify_chat_id: DEFAULT_CHAT_ID })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, MESSAGE])
    const [period] = emulator.periods()
    const messages = emulator.messages()
    expect(messages).toHaveLength(1)
    const [message] = messages
    expect(message).toMatchObject({ chat_id: DEFAULT_CHAT_ID, msg_type: 'interactive' })
    expect(cardText(message.content)).toContain('2027-01 – 2027-03')
    expect(result.outputs).toMatchObject({ period_id: period.id, created: 'true', notified: 'true' })
    expect(result.stdout).toContain(`Announced the period in chat ${DEFAULT_CHAT_ID}.`)
    expect(result.summary).toContain(`Announced in chat ${DEFAULT_CHAT_ID}.`)

    const request = emulator.requests[2]
    expect(request.query).toEqual({ receive_id_type: 'chat_id' })
    expect(request.headers['authorization']).toBe(emulator.requests[1].headers['authorization'])
    const body = request.body as Record<string, unknown>
    expect(body).toMatchObject({ receive_id: DEFAULT_CHAT_ID, msg_type: 'interactive' })
    expect(typeof body['content']).toBe('string')
    expect(JSON.parse(body['content'] as string)).toEqual(message.content)
    expect(body['uuid']).toEqual(expect.stringMatching(/^[\w-]{1,50}$/))
    expect(message.uuid).toBe(body['uuid'])
  })

  it('names the missing scope when the app may not send messages', async () => {
    await start({ scopes: ['okr:okr'] })
    const result = await run({ notify_chat_id: DEFAULT_CHAT_ID })

    expect(result.exitCode).toBe(1)
    expect(emulator.periods()).toHaveLength(1)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toContain('Feishu answered code 99991672')
    expect(result.errors[0]).toContain(
      'Grant the app the scope im:message:send_as_bot or im:message in the developer console ("Permissions & Scopes"), then publish a new version',
    )
    expect(result.outputs['notified']).toBe('false')
  })

  it("says to enable the bot capability when the app's bot is off", async () => {
    await start({ botEnabled: false })
    const result = await run({ notify_chat_id: DEFAULT_CHAT_ID })

    expect(result.exitCode).toBe(1)
    expect(result.errors[0]).toContain('Feishu answered code 230006 "Bot ability is not activated." (HTTP 400)')
    expect(result.errors[0]).toContain('Enable the bot capability of the app')
    expect(result.errors[0]).not.toContain('add the bot to the group')
  })

  it('says to add the bot when it is not in the chat', async () => {
    await start({ chats: [{ chat_id: DEFAULT_CHAT_ID, bot_in_chat: false }] })
    const result = await run({ notify_chat_id: DEFAULT_CHAT_ID })

    expect(result.exitCode).toBe(1)
    expect(result.errors[0]).toContain('Feishu answered code 230002 "The bot can not be outside the group." (HTTP 400)')
    expect(result.errors[0]).toContain("The app's bot is not in the chat: add the bot to the group")
  })

  it('says to check the chat id when there is no such chat', async () => {
    await start()
    const result = await run({ notify_chat_id: OTHER_CHAT })

    expect(result.exitCode).toBe(1)
    expect(result.errors[0]).toContain('Feishu answered code 230001')
    expect(result.errors[0]).toContain('Check notify_chat_id')
    expect(emulator.messages()).toEqual([])
  })

  it.each([
    [230025, 'The length of the message content reaches its limit.', 'shorten notify_text'],
    [230099, 'Failed to create card content', 'report this as a bug of the action'],
    [99992402, 'field validation failed', 'report this as a bug of the action'],
  ])('%d: says what to do about it', async (code, msg, hint) => {
    await start()
    emulator.inject({ method: 'POST', path: PATHS.messages, fault: 'code', code, msg })
    const result = await run({ notify_chat_id: DEFAULT_CHAT_ID })

    expect(result.exitCode).toBe(1)
    expect(result.errors[0]).toContain(`Feishu answered code ${code} "${msg}" (HTTP 400). `)
    expect(result.errors[0]).toContain(hint)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, MESSAGE])
  })
})

describe('through a webhook', () => {
  it('unsigned: one post of the card, and nothing else is sent', async () => {
    await start()
    const result = await run({ notify_webhook: webhookUrl() })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, hook(DEFAULT_WEBHOOK_TOKEN)])
    const posts = emulator.webhookPosts()
    expect(posts).toHaveLength(1)
    const body = posts[0].body as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(['card', 'msg_type'])
    expect(body['msg_type']).toBe('interactive')
    expect(cardText(body['card'])).toContain('2027-01 – 2027-03')
    expect(emulator.requests[2].headers['authorization']).toBeUndefined()
    expect(result.outputs['notified']).toBe('true')
    expect(result.summary).toContain('Announced in the group webhook.')
  })

  it('signed: the timestamp and sign verify, by the formula of the custom bot guide', async () => {
    await start({ webhooks: [{ token: SIGNED_TOKEN, secret: SECRET }] })
    const before = Math.floor(Date.now() / 1000)
    const result = await run({ notify_webhook: webhookUrl(SIGNED_TOKEN), notify_webhook_secret: SECRET })
    const after = Math.ceil(Date.now() / 1000)

    expect(result.exitCode).toBe(0)
    const posts = emulator.webhookPosts()
    expect(posts).toHaveLength(1)
    const { timestamp, sign } = posts[0].body as { timestamp: string; sign: string }
    expect(timestamp).toMatch(/^\d+$/)
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before)
    expect(Number(timestamp)).toBeLessThanOrEqual(after)
    expect(sign).toBe(signature(timestamp, SECRET))
    expect(result.outputs['notified']).toBe('true')
  })

  it("signed with the action's clock set, and Feishu's clock set to match", async () => {
    const now = '2027-03-17T01:00:00Z'
    await start({ now, webhooks: [{ token: SIGNED_TOKEN, secret: SECRET }] })
    const result = await run(
      { start_month: 'next', notify_webhook: webhookUrl(SIGNED_TOKEN), notify_webhook_secret: SECRET },
      { now },
    )

    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ start_month: '2027-04', notified: 'true' })
    const [post] = emulator.webhookPosts()
    const { timestamp, sign } = post.body as { timestamp: string; sign: string }
    expect(timestamp).toBe(String(Date.parse(now) / 1000))
    expect(sign).toBe(signature(timestamp, SECRET))
    expect(cardText((post.body as { card: unknown }).card)).toContain('2027-04 – 2027-06')
  })

  it("a clock more than an hour from Feishu's is refused (19021), and the message says to check it", async () => {
    await start({ now: '2027-03-17T03:00:01Z', webhooks: [{ token: SIGNED_TOKEN, secret: SECRET }] })
    const result = await run(
      { notify_webhook: webhookUrl(SIGNED_TOKEN), notify_webhook_secret: SECRET },
      { now: '2027-03-17T02:00:00Z' },
    )

    expect(result.exitCode).toBe(1)
    expect(emulator.webhookPosts()).toEqual([])
    expect(result.errors[0]).toContain('Feishu answered code 19021')
    expect(result.errors[0]).toContain("the runner's clock")
  })

  it('a keyword the group bot wants, in notify_text: accepted', async () => {
    const token = 'c0ffee00-1111-4222-8333-444455556666'
    await start({ webhooks: [{ token, keyword: '季度目标' }] })
    const result = await run({ notify_webhook: webhookUrl(token), notify_text: '季度目标 {periods}' })

    expect(result.exitCode).toBe(0)
    expect(emulator.webhookPosts()).toHaveLength(1)
  })

  it('a keyword the text lacks: refused (19024), with the hint to put one in notify_text', async () => {
    const token = 'c0ffee00-1111-4222-8333-444455556666'
    await start({ webhooks: [{ token, keyword: '季度目标' }] })
    const result = await run({ notify_webhook: webhookUrl(token) })

    expect(result.exitCode).toBe(1)
    expect(result.errors[0]).toContain('Feishu answered code 19024')
    expect(result.errors[0]).toContain('put one of its keywords in notify_text')
  })

  it('an unknown webhook (19001): the step fails, saying to copy the URL again', async () => {
    await start()
    const result = await run({ notify_webhook: webhookUrl('00000000-0000-4000-8000-000000000000') })

    expect(result.exitCode).toBe(1)
    expect(result.errors[0]).toContain('Feishu answered code 19001')
    expect(result.errors[0]).toContain('copy the URL again')
  })
})

describe('both channels at once', () => {
  it('one message and one post, the same card in each', async () => {
    await start({ webhooks: [{ token: SIGNED_TOKEN, secret: SECRET }] })
    const result = await run({
      notify_chat_id: DEFAULT_CHAT_ID,
      notify_webhook: webhookUrl(SIGNED_TOKEN),
      notify_webhook_secret: SECRET,
    })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, MESSAGE, hook(SIGNED_TOKEN)])
    const messages = emulator.messages()
    const posts = emulator.webhookPosts()
    expect(messages).toHaveLength(1)
    expect(posts).toHaveLength(1)
    expect((posts[0].body as { card: unknown }).card).toEqual(messages[0].content)
    expect(result.outputs['notified']).toBe('true')
    expect(result.summary).toContain(`Announced in chat ${DEFAULT_CHAT_ID} and the group webhook.`)
  })

  it('one fails, the other is still sent: notified is true, the step fails and says where it did go', async () => {
    await start({ chats: [{ chat_id: DEFAULT_CHAT_ID, bot_in_chat: false }] })
    const result = await run({ notify_chat_id: DEFAULT_CHAT_ID, notify_webhook: webhookUrl() })

    expect(result.exitCode).toBe(1)
    expect(emulator.messages()).toEqual([])
    expect(emulator.webhookPosts()).toHaveLength(1)
    expect(result.outputs['notified']).toBe('true')
    expect(result.errors[0]).toContain('230002')
    expect(result.errors[0]).toContain('It did reach the group webhook.')
    expect(result.summary).toContain('Announced in the group webhook. Not everywhere')
  })
})

describe('the text', () => {
  it('fills in every placeholder, and {{ }} are literal braces', async () => {
    await start()
    const result = await run(
      {
        count: '2',
        notify_chat_id: DEFAULT_CHAT_ID,
        notify_text:
          'S={start_month} E={end_month} ID={period_id} P={periods} N={count} L={last_end_month} {{literal}} R={run_url}',
      },
      { env: { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/okr', GITHUB_RUN_ID: '42' } },
    )

    expect(result.exitCode).toBe(0)
    const [first] = emulator.periods()
    expect(cardText(emulator.messages()[0].content)).toBe(
      `S=2027-01 E=2027-03 ID=${first.id} P=2027-01 – 2027-03, 2027-04 – 2027-06 N=2 L=2027-06 {literal} R=https://github.com/acme/okr/actions/runs/42`,
    )
  })

  it('an unknown placeholder fails before any request, naming notify_text', async () => {
    await start()
    const result = await run({ notify_chat_id: DEFAULT_CHAT_ID, notify_text: 'Hello {who}: {periods}' })

    expect(result.exitCode).toBe(1)
    expect(emulator.requests).toEqual([])
    expect(result.errors).toEqual([expect.stringMatching(/^Input 'notify_text' has unknown placeholders \{who\}/)])
  })

  it.each(['{__proto__}', '{constructor}', '{toString}'])(
    'a name every object has, %s, is not a placeholder: refused before any request',
    async text => {
      await start()
      const result = await run({ notify_chat_id: DEFAULT_CHAT_ID, notify_text: text })

      expect(result.exitCode).toBe(1)
      expect(emulator.requests).toEqual([])
      expect(result.errors[0]).toMatch(/^Input 'notify_text' has unknown placeholders/)
    },
  )

  it('the default: bilingual, naming the period', async () => {
    await start()
    await run({ notify_chat_id: DEFAULT_CHAT_ID })

    const text = cardText(emulator.messages()[0].content)
    expect(text).toMatch(/[\u4e00-\u9fff]/)
    expect(text).toMatch(/OKR/)
    expect(text.match(/2027-01 – 2027-03/g)).toHaveLength(2)
  })

  it('count: 3 → one card that lists the three periods', async () => {
    await start()
    const result = await run({ count: '3', notify_chat_id: DEFAULT_CHAT_ID, notify_webhook: webhookUrl() })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, RULES, CREATE, CREATE, CREATE, MESSAGE, hook(DEFAULT_WEBHOOK_TOKEN)])
    expect(emulator.messages()).toHaveLength(1)
    expect(emulator.webhookPosts()).toHaveLength(1)
    const text = cardText(emulator.messages()[0].content)
    expect(text).toContain('2027-01 – 2027-03, 2027-04 – 2027-06, 2027-07 – 2027-09')
    expect(result.stdout).toContain(`Announced the periods in chat ${DEFAULT_CHAT_ID}.`)
  })

  it('a text that fills in to more than a card may hold is cut short, with a warning, and still sent', async () => {
    await start()
    const result = await run({
      count: '12',
      notify_chat_id: DEFAULT_CHAT_ID,
      notify_webhook: webhookUrl(),
      notify_text: '{periods}\n'.repeat(190),
    })

    expect(result.exitCode).toBe(0)
    expect(emulator.messages()).toHaveLength(1)
    expect(emulator.webhookPosts()).toHaveLength(1)
    const message = emulator.requests.find(request => request.path === PATHS.messages)!
    expect(Buffer.byteLength(JSON.stringify(message.body))).toBeLessThan(20 * 1024)
    expect(cardText(emulator.messages()[0].content)).toMatch(/…$/)
    expect(result.warnings).toEqual([expect.stringContaining('notify_text')])
  })
})

describe('a failed announcement after a created period', () => {
  it('the wrong signing secret (19021): the period stands, and the message says how to re-send', async () => {
    await start({ webhooks: [{ token: SIGNED_TOKEN, secret: SECRET }] })
    const result = await run({ notify_webhook: webhookUrl(SIGNED_TOKEN), notify_webhook_secret: 'not-the-secret' })

    expect(result.exitCode).toBe(1)
    const [period] = emulator.periods()
    expect(result.outputs).toMatchObject({ period_id: period.id, created: 'true', notified: 'false' })
    expect(result.summary).toContain(`<td>${period.id}</td><td>2027-01</td><td>2027-03</td><td>created</td>`)
    expect(result.summary).toContain('Announcement: not sent')
    expect(result.errors).toHaveLength(1)
    const [error] = result.errors
    expect(error).toMatch(new RegExp(`^The period is open \\(${period.id}: 2027-01 to 2027-03\\)`))
    expect(error).toContain(
      'the announcement was not sent: Posting the announcement to the group webhook failed: Feishu answered code 19021',
    )
    expect(error).toContain('check notify_webhook_secret')
    expect(error).toMatch(/ Log id: \w+\. To send it again/)
    expect(error).toMatch(/re-run with notify_when: always and allow_existing: true\.$/)
    // One attempt: a refusal is an answer, and a webhook post is not retried after an answer.
    expect(sent(emulator)).toEqual([TOKEN, CREATE, hook(SIGNED_TOKEN)])
  })

  it('the bot not in the chat (230002): the same, with the hint to add the bot', async () => {
    await start({ chats: [{ chat_id: DEFAULT_CHAT_ID, bot_in_chat: false }] })
    const result = await run({ notify_chat_id: DEFAULT_CHAT_ID })

    expect(result.exitCode).toBe(1)
    const [period] = emulator.periods()
    expect(result.outputs).toMatchObject({ period_id: period.id, created: 'true', notified: 'false' })
    expect(result.summary).toContain(`<td>${period.id}</td>`)
    const [error] = result.errors
    expect(error).toMatch(/^The period is open /)
    expect(error).toContain('230002')
    expect(error).toContain('add the bot to the group')
    expect(error).toContain('re-run with notify_when: always and allow_existing: true')
    // A refusal is not retried either.
    expect(sent(emulator)).toEqual([TOKEN, CREATE, MESSAGE])
  })
})

describe('a re-run that re-sends', () => {
  it('after the bot is added to the chat: the message is delivered, no period is created', async () => {
    await start({ chats: [{ chat_id: DEFAULT_CHAT_ID, bot_in_chat: false }] })
    const failed = await run({ notify_chat_id: DEFAULT_CHAT_ID })
    expect(failed.exitCode).toBe(1)
    const [period] = emulator.periods()
    await emulator.close()

    // The same tenant, now with the bot in the chat.
    await start({ periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01', id: period.id }] })
    const result = await run({ notify_chat_id: DEFAULT_CHAT_ID, allow_existing: 'true', notify_when: 'always' })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, LIST, RULES, MESSAGE])
    expect(emulator.periods()).toHaveLength(1)
    expect(result.outputs).toMatchObject({ period_id: period.id, created: 'false', notified: 'true' })
    expect(emulator.messages()).toHaveLength(1)
    expect(cardText(emulator.messages()[0].content)).toContain('2027-01 – 2027-03')
  })

  it('or to another chat: delivered there', async () => {
    await start({ chats: [{ chat_id: DEFAULT_CHAT_ID, bot_in_chat: false }, { chat_id: OTHER_CHAT }] })
    expect((await run({ notify_chat_id: DEFAULT_CHAT_ID })).exitCode).toBe(1)
    const result = await run({ notify_chat_id: OTHER_CHAT, allow_existing: 'true', notify_when: 'always' })

    expect(result.exitCode).toBe(0)
    expect(emulator.periods()).toHaveLength(1)
    expect(emulator.messages()).toEqual([expect.objectContaining({ chat_id: OTHER_CHAT })])
    expect(result.outputs['notified']).toBe('true')
  })

  it('with notify_when: created (the default), a run on an existing period sends nothing and adds no request', async () => {
    await start({ periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01', id: '7000000000000000042' }] })
    const plain = await run({ allow_existing: 'true' })
    const plainRequests = sent(emulator)
    emulator.requests.length = 0
    const result = await run({ allow_existing: 'true', notify_chat_id: DEFAULT_CHAT_ID, notify_webhook: webhookUrl() })

    expect(plain.exitCode).toBe(0)
    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual(plainRequests)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, LIST, RULES])
    expect(emulator.messages()).toEqual([])
    expect(emulator.webhookPosts()).toEqual([])
    expect(result.outputs).toMatchObject({ period_id: '7000000000000000042', created: 'false', notified: 'false' })
    expect(result.stdout).toContain('No period was created by this run, so no announcement is sent')
    expect(result.summary).toContain('Announcement: not sent (no period was created by this run).')
  })
})

describe('never twice', () => {
  it("the message's answer is lost: the retry carries the same uuid, and Feishu delivers one message", async () => {
    await start()
    emulator.inject({ method: 'POST', path: PATHS.messages, fault: 'commit-then-reset' })
    const result = await run({ notify_chat_id: DEFAULT_CHAT_ID })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, MESSAGE, MESSAGE])
    const [first, second] = emulator.requests.filter(request => request.path === PATHS.messages)
    expect((second.body as { uuid: string }).uuid).toBe((first.body as { uuid: string }).uuid)
    expect(second.body).toEqual(first.body)
    expect(emulator.messages()).toHaveLength(1)
    expect(result.outputs['notified']).toBe('true')
    expect(retryLines(result.stdout)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Sending the announcement to chat ${DEFAULT_CHAT_ID}: attempt 1 of 4 failed \\(the connection failed`,
        ),
      ),
    ])
  })

  it('a re-run within the hour is dropped by Feishu; one more than an hour later is delivered', async () => {
    await start({ now: '2027-01-05T09:00:00Z' })
    const inputs = { notify_chat_id: DEFAULT_CHAT_ID }
    expect((await run(inputs)).exitCode).toBe(0)
    const again = { ...inputs, allow_existing: 'true', notify_when: 'always' }

    emulator.setNow('2027-01-05T09:59:00Z')
    const withinTheHour = await run(again)
    expect(withinTheHour.exitCode).toBe(0)
    expect(sent(emulator).filter(request => request === MESSAGE)).toHaveLength(2)
    expect(emulator.messages()).toHaveLength(1)

    emulator.setNow('2027-01-05T11:00:00Z')
    const later = await run(again)
    expect(later.exitCode).toBe(0)
    expect(later.outputs['notified']).toBe('true')
    expect(emulator.messages()).toHaveLength(2)
    const [one, two] = emulator.messages()
    expect(two.uuid).toBe(one.uuid)
    expect(two.content).toEqual(one.content)
    expect(emulator.periods()).toHaveLength(1)
  })

  it('a webhook post whose connection is reset is not retried, and the step says it may have arrived', async () => {
    await start()
    emulator.inject({ method: 'POST', path: PATHS.webhook(DEFAULT_WEBHOOK_TOKEN), fault: 'reset' })
    const result = await run({ notify_webhook: webhookUrl() })

    expect(result.exitCode).toBe(1)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, hook(DEFAULT_WEBHOOK_TOKEN)])
    expect(retryLines(result.stdout)).toEqual([])
    expect(result.outputs).toMatchObject({ created: 'true', notified: 'false' })
    expect(result.errors[0]).toContain(
      'Posting the announcement to the group webhook failed: the connection failed (ECONNRESET).',
    )
    expect(result.errors[0]).toContain('not sent again')
  })

  it('a webhook post that arrived but whose answer was lost: one card in the group, not two', async () => {
    await start()
    emulator.inject({ method: 'POST', path: PATHS.webhook(DEFAULT_WEBHOOK_TOKEN), fault: 'commit-then-reset' })
    const result = await run({ notify_webhook: webhookUrl() })

    expect(result.exitCode).toBe(1)
    expect(emulator.webhookPosts()).toHaveLength(1)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, hook(DEFAULT_WEBHOOK_TOKEN)])
    expect(result.errors[0]).toContain('may have reached the group')
  })

  it('a webhook post whose connection is refused is retried, since it cannot have arrived, then fails', async () => {
    await start()
    const port = await closedPort()
    const url = `http://127.0.0.1:${port}${PATHS.webhook(DEFAULT_WEBHOOK_TOKEN)}`
    const result = await run({ notify_webhook: url, max_retries: '1' })

    expect(result.exitCode).toBe(1)
    expect(sent(emulator)).toEqual([TOKEN, CREATE])
    expect(retryLines(result.stdout)).toEqual([
      expect.stringMatching(
        /^Posting the announcement to the group webhook: attempt 1 of 2 failed \(the connection failed \(ECONNREFUSED\)\); retrying in \d\.\d s\.$/,
      ),
    ])
    expect(result.errors[0]).toContain(
      'Posting the announcement to the group webhook failed: the connection failed (ECONNREFUSED); gave up after 2 attempts.',
    )
    expect(result.outputs).toMatchObject({ created: 'true', notified: 'false' })
    expect(unmasked(printed(result))).not.toContain(url)
  })
})

describe('secrets', () => {
  it.each([
    ['a success', SECRET],
    ['a refused signature', 'not-the-secret-4f2a'],
  ])('the webhook URL, its token and its signing secret are masked and never shown (%s)', async (_, secret) => {
    await start({ webhooks: [{ token: SIGNED_TOKEN, secret: SECRET }] })
    const url = webhookUrl(SIGNED_TOKEN)
    const result = await run(
      { notify_chat_id: DEFAULT_CHAT_ID, notify_webhook: url, notify_webhook_secret: secret },
      { env: { RUNNER_DEBUG: '1' } },
    )

    expect(result.exitCode).toBe(secret === SECRET ? 0 : 1)
    for (const value of [url, SIGNED_TOKEN, secret]) {
      expect(result.stdout).toContain(`::add-mask::${value}`)
      expect(unmasked(printed(result))).not.toContain(value)
      expect(result.summary).not.toContain(value)
      expect(JSON.stringify(result.outputs)).not.toContain(value)
    }
  })

  it('in a dry run too, which prints the card', async () => {
    await start({ webhooks: [{ token: SIGNED_TOKEN, secret: SECRET }] })
    const url = webhookUrl(SIGNED_TOKEN)
    const result = await run(
      { dry_run: 'true', notify_webhook: url, notify_webhook_secret: SECRET },
      { env: { RUNNER_DEBUG: '1' } },
    )

    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('Dry run: would announce in the group webhook: {')
    for (const value of [url, SIGNED_TOKEN, SECRET]) {
      expect(unmasked(printed(result))).not.toContain(value)
      expect(result.summary).not.toContain(value)
    }
  })
})

describe('a dry run', () => {
  it('shows the card it would send, and sends nothing', async () => {
    await start()
    const result = await run({ dry_run: 'true', notify_chat_id: DEFAULT_CHAT_ID, notify_webhook: webhookUrl() })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, RULES, LIST])
    expect(emulator.messages()).toEqual([])
    expect(emulator.webhookPosts()).toEqual([])
    expect(emulator.periods()).toEqual([])
    expect(result.outputs['notified']).toBe('false')
    const line = result.stdout.split('\n').find(l => l.startsWith('Dry run: would announce in '))
    expect(line).toBeDefined()
    expect(line).toContain(`chat ${DEFAULT_CHAT_ID} and the group webhook`)
    const card = JSON.parse(line!.slice(line!.indexOf('{'))) as unknown
    expect(cardText(card)).toContain('2027-01 – 2027-03')
    expect(result.summary).toContain('dry run')
  })

  it('when every period exists, with notify_when: created: says a real run would send nothing', async () => {
    await start({ periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01', id: '7000000000000000042' }] })
    const result = await run({ dry_run: 'true', allow_existing: 'true', notify_chat_id: DEFAULT_CHAT_ID })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, RULES, LIST])
    expect(result.stdout).not.toContain('would announce')
    expect(result.outputs['notified']).toBe('false')
  })

  it('when every period exists, with notify_when: always: shows the card', async () => {
    await start({ periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01', id: '7000000000000000042' }] })
    const result = await run({
      dry_run: 'true',
      allow_existing: 'true',
      notify_when: 'always',
      notify_chat_id: DEFAULT_CHAT_ID,
    })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, RULES, LIST])
    expect(result.stdout).toContain(`Dry run: would announce in chat ${DEFAULT_CHAT_ID}: `)
    expect(emulator.messages()).toEqual([])
  })
})

describe('neither channel', () => {
  it('no request more than the plain path, and notified is false', async () => {
    await start()
    const result = await run()

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, CREATE])
    expect(result.outputs['notified']).toBe('false')
    expect(result.summary).not.toContain('Announce')
  })
})

describe('a series opened in two runs', () => {
  it('announces what each run created: the re-run that completes the series does not repeat the first card', async () => {
    await start()
    emulator.inject({
      method: 'POST',
      path: PATHS.periods,
      fault: 'code',
      after: 1,
      code: 1001002,
      msg: 'No permission.',
      status: 403,
    })
    const first = await run({ start_month: '2027-04', count: '3', notify_chat_id: DEFAULT_CHAT_ID })
    const again = await run({
      start_month: '2027-04',
      count: '3',
      notify_chat_id: DEFAULT_CHAT_ID,
      allow_existing: 'true',
    })

    expect([first.exitCode, again.exitCode]).toEqual([1, 0])
    expect(first.outputs['notified']).toBe('true')
    const texts = emulator.messages().map(message => cardText(message.content))
    expect(texts).toHaveLength(2)
    expect(texts[0]).toContain('2027-04 – 2027-06')
    expect(texts[0]).not.toContain('2027-07')
    expect(texts[1]).toContain('2027-07 – 2027-09, 2027-10 – 2027-12')
    expect(texts[1]).not.toContain('2027-04')
  })
})
