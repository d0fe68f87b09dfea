import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Failure, describeFailure } from '../../src/feishu/errors.js'
import { Transport } from '../../src/feishu/transport.js'
import { MAY_HAVE_ARRIVED, postWebhook, webhookSignature } from '../../src/feishu/webhook.js'

describe('webhookSignature', () => {
  // Computed outside this code base, with OpenSSL, from the custom bot guide's formula:
  //   printf '' | openssl dgst -sha256 -hmac "$(printf '1767225600\nwh-secret-1')" -binary | base64
  const TIMESTAMP = 1767225600
  const SECRET = 'wh-secret-1'
  const EXPECTED = '7uVPALWOVCM2JCerlXTzWX70WMdGSVAx9XniaSNm5iM='
  it('is base64(HMAC-SHA256(key = timestamp + "\\n" + secret, message = ""))', () => {
    expect(webhookSignature(TIMESTAMP, SECRET)).toBe(EXPECTED)
  })

  it.each([
    [1_700_000_000, 'a'],
    [1_800_000_123, 'Zq9+/=Secret with, punctuation'],
    [0, '密钥'],
  ])('matches the formula written out here, for %d and %s', (timestamp, secret) => {
    const byHand = createHmac('sha256', Buffer.from(`${timestamp}\n${secret}`, 'utf8'))
      .update(Buffer.alloc(0))
      .digest()
      .toString('base64')
    expect(webhookSignature(timestamp, secret)).toBe(byHand)
  })
})

describe('postWebhook', () => {
  type Reply = (req: IncomingMessage, res: ServerResponse) => void
  const NOW = new Date('2027-01-01T01:00:00.900Z')
  const MESSAGE = { msg_type: 'interactive', card: { elements: [] } }
  let server: Server
  let transport: Transport
  let bodies: unknown[]
  let replies: Reply[]

  const json =
    (body: unknown, status = 200, headers: Record<string, string> = {}): Reply =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(body))
    }

  beforeEach(async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    bodies = []
    replies = []
    server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')))
        const reply = replies.shift() ?? json({ code: 0, msg: 'success', data: {} })
        reply(req, res)
      })
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    transport = new Transport(5000)
  })

  afterEach(async () => {
    transport.dispose()
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
    jest.restoreAllMocks()
  })

  function url(): URL {
    return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/open-apis/bot/v2/hook/tok-1`)
  }

  async function failureOf(promise: Promise<unknown>): Promise<Failure> {
    try {
      await promise
    } catch (error) {
      if (error instanceof Failure) return error
      throw error
    }
    throw new Error('expected a failure')
  }

  it('signs with the timestamp in whole seconds, as a string, beside the message', async () => {
    await postWebhook(transport, { url: url(), secret: 'wh-secret-1' }, MESSAGE, 0, NOW)
    const timestamp = String(Math.floor(NOW.getTime() / 1000))
    expect(bodies).toEqual([
      {
        timestamp,
        sign: createHmac('sha256', `${timestamp}\nwh-secret-1`).update('').digest('base64'),
        ...MESSAGE,
      },
    ])
  })

  it('without a secret, sends the message alone', async () => {
    await postWebhook(transport, { url: url() }, MESSAGE, 0, NOW)
    expect(bodies).toEqual([MESSAGE])
  })

  it('takes the older answer shape, StatusCode 0, as success', async () => {
    replies.push(json({ StatusCode: 0, StatusMessage: 'success' }))
    await expect(postWebhook(transport, { url: url() }, MESSAGE, 0, NOW)).resolves.toBeUndefined()
  })

  it('a refusal: its code, its msg cleaned, the log id, no hint of its own; sent once', async () => {
    replies.push(
      json({ code: 19021, msg: 'sign match fail \u001b[31m/open-apis/bot/v2/hook/tok-1' }, 200, {
        'x-tt-logid': '202701010100000000ABCDEF',
      }),
    )
    const failure = await failureOf(postWebhook(transport, { url: url(), secret: 's' }, MESSAGE, 3, NOW))
    expect(failure.fields).toMatchObject({
      kind: 'refused',
      code: 19021,
      status: 200,
      msg: 'sign match fail /open-apis/bot/v2/hook/***',
      logId: '202701010100000000ABCDEF',
    })
    // What the user should check is the announcement's to say; the client reports Feishu's code.
    expect(failure.hints).toEqual([])
    expect(describeFailure(failure)).toMatch(/Log id: 202701010100000000ABCDEF\.$/)
    expect(bodies).toHaveLength(1)
  })

  it('an old-style refusal, StatusCode and StatusMessage', async () => {
    replies.push(json({ StatusCode: 19024, StatusMessage: 'Key Words Not Found' }))
    const failure = await failureOf(postWebhook(transport, { url: url() }, MESSAGE, 0, NOW))
    expect(failure.fields).toMatchObject({ code: 19024, msg: 'Key Words Not Found' })
    expect(failure.hints).toEqual([])
  })

  it('a gateway page (HTTP 502): not retried, and it says the post may have arrived', async () => {
    replies.push((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' })
      res.end('<html>\u001b[2J502 Bad Gateway</html>')
    })
    const failure = await failureOf(postWebhook(transport, { url: url() }, MESSAGE, 3, NOW))
    expect(failure.fields).toMatchObject({ kind: 'unreadable', status: 502, unanswered: true })
    expect(failure.fields.detail).toBe('HTTP 502, not a Feishu answer: <html>502 Bad Gateway</html>')
    expect(failure.hints).toEqual([MAY_HAVE_ARRIVED])
    expect(bodies).toHaveLength(1)
  })

  it('a page with HTTP 404: the post did not go through, so no such hint', async () => {
    replies.push((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('404 page not found')
    })
    const failure = await failureOf(postWebhook(transport, { url: url() }, MESSAGE, 3, NOW))
    expect(failure.fields).toMatchObject({ kind: 'unreadable', status: 404, unanswered: false })
    expect(failure.hints).toEqual([])
    expect(bodies).toHaveLength(1)
  })

  it('a reset connection: not retried, and it says the post may have arrived', async () => {
    replies.push(req => req.socket.resetAndDestroy())
    const failure = await failureOf(postWebhook(transport, { url: url() }, MESSAGE, 3, NOW))
    expect(failure.fields).toMatchObject({ kind: 'network', unanswered: true })
    expect(describeFailure(failure)).toContain('the connection failed (ECONNRESET)')
    expect(failure.hints).toEqual([MAY_HAVE_ARRIVED])
    expect(bodies).toHaveLength(1)
  })

  it('a refused connection: retried, since it cannot have arrived; the last failure says how many attempts', async () => {
    const unused = createServer()
    await new Promise<void>(resolve => unused.listen(0, '127.0.0.1', resolve))
    const { port } = unused.address() as AddressInfo
    await new Promise(resolve => unused.close(resolve))
    const closed = new URL(`http://127.0.0.1:${port}/open-apis/bot/v2/hook/tok-1`)
    const failure = await failureOf(postWebhook(transport, { url: closed }, MESSAGE, 1, NOW))
    expect(failure.fields).toMatchObject({ kind: 'network', unanswered: false, attempts: 2 })
    expect(describeFailure(failure)).toBe(
      'Posting the announcement to the group webhook failed: the connection failed (ECONNREFUSED); gave up after 2 attempts.',
    )
    expect(failure.hints).toEqual([])
  })
})
