import { describe, expect, it } from '@jest/globals'
import { readEnvelope } from '../../src/feishu/envelope.js'
import { type Failure } from '../../src/feishu/errors.js'

const op = 'Creating the OKR period'
const answer = (status: number, body: string, headers: Record<string, string> = {}) => ({ status, body, headers })

function failureOf(fn: () => unknown): Failure {
  try {
    fn()
  } catch (error) {
    return error as Failure
  }
  throw new Error('expected a failure')
}

describe('readEnvelope', () => {
  it('returns the whole body of a code-0 answer', () => {
    const envelope = readEnvelope(op, answer(200, '{"code":0,"msg":"ok","tenant_access_token":"t-1","expire":7200}'))
    expect(envelope.tenant_access_token).toBe('t-1')
  })

  it('trusts the code over the HTTP status, both ways', () => {
    expect(readEnvelope(op, answer(400, '{"code":0,"data":{"x":1}}')).data).toEqual({ x: 1 })
    const error = failureOf(() => readEnvelope(op, answer(200, '{"code":10014,"msg":"app secret invalid"}')))
    expect(error.kind).toBe('refused')
    expect(error.fields).toMatchObject({ code: 10014, msg: 'app secret invalid', status: 200 })
  })

  it('keeps the log id, troubleshooter and scopes of a platform error, with the hint for the scope', () => {
    const body = JSON.stringify({
      code: 99991672,
      msg: 'Access denied.',
      error: {
        log_id: 'body-log-id',
        troubleshooter: 'https://open.feishu.cn/search?log_id=1',
        permission_violations: [{ type: 'action_scope_required', subject: 'okr:okr' }],
      },
    })
    const error = failureOf(() => readEnvelope(op, answer(400, body, { 'x-tt-logid': 'header-log-id' })))
    expect(error.fields).toMatchObject({
      logId: 'header-log-id',
      troubleshooter: 'https://open.feishu.cn/search?log_id=1',
      scopes: ['okr:okr'],
    })
    expect(error.hints).toEqual([expect.stringContaining('Grant the app the scope okr:okr in the developer console')])
  })

  it('names the scopes the call needs when the answer names none', () => {
    const error = failureOf(() => readEnvelope(op, answer(400, '{"code":99991672,"msg":"denied"}'), ['im:message']))
    expect(error.hints[0]).toContain('the scope im:message')
  })

  it('falls back to the body log id, then to X-Request-Id, and drops one that is not an id', () => {
    expect(
      failureOf(() => readEnvelope(op, answer(400, '{"code":1,"error":{"log_id":"from-body"}}'))).fields.logId,
    ).toBe('from-body')
    expect(failureOf(() => readEnvelope(op, answer(400, '{"code":1}', { 'x-request-id': 'req-1' }))).fields.logId).toBe(
      'req-1',
    )
    const odd = failureOf(() => readEnvelope(op, answer(400, '{"code":1,"error":{"log_id":"<b>\\n::x"}}')))
    expect(odd.fields.logId).toBeUndefined()
  })

  it('passes on only an https troubleshooter', () => {
    const body = '{"code":1,"error":{"troubleshooter":"javascript:alert(1)"}}'
    expect(failureOf(() => readEnvelope(op, answer(400, body))).fields.troubleshooter).toBeUndefined()
  })

  it('cleans the msg: no escape sequences, no line breaks, no runner commands, no secret-shaped text, bounded', () => {
    const msg = `\u001b[31mred\u001b[0m\n::error::forged\r\ntoken t-abcdef123456 ${'x'.repeat(10_000)}`
    const error = failureOf(() => readEnvelope(op, answer(400, JSON.stringify({ code: 1, msg }))))
    expect(error.fields.msg).toMatch(/^red : :error: :forged token \*\*\* x+…$/)
    expect([...error.fields.msg!].length).toBeLessThanOrEqual(200)
  })

  it.each([
    [
      'an HTML gateway page',
      502,
      '<html><body><h1>502 Bad Gateway</h1></body></html>',
      'HTTP 502, not a Feishu answer: <html><body><h1>502 Bad Gateway</h1></body></html>',
    ],
    [
      'a truncated body',
      200,
      '{"code":0,"msg":"success","da',
      'HTTP 200, not a Feishu answer: {"code":0,"msg":"success","da',
    ],
    ['an empty body', 200, '', 'HTTP 200, an empty body'],
    ['JSON without a code', 200, '{"ok":true}', 'HTTP 200, not a Feishu answer: {"ok":true}'],
  ])('makes %s an unreadable answer with the status and an excerpt', (_, status, body, detail) => {
    const error = failureOf(() => readEnvelope(op, answer(status, body)))
    expect(error.kind).toBe('unreadable')
    expect(error.fields).toMatchObject({ status, detail })
  })

  it('reads 19-digit ids sent as bare numbers as the strings they stand for', () => {
    const envelope = readEnvelope(op, answer(200, '{"code":0,"data":{"period_id":7000000000000000042}}'))
    expect(envelope.data).toEqual({ period_id: '7000000000000000042' })
  })
})
