import { describe, expect, it } from '@jest/globals'
import { excerpt, readEnvelope } from '../../src/feishu/client.js'
import { FeishuError, TransportError } from '../../src/feishu/errors.js'

const op = 'Creating the OKR period'
const answer = (status: number, body: string, headers: Record<string, string> = {}) => ({ status, body, headers })

function failureOf(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
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
    expect(error).toBeInstanceOf(FeishuError)
    expect(error).toMatchObject({ code: 10014, msg: 'app secret invalid', status: 200 })
  })

  it('keeps the log id, troubleshooter and scopes of a platform error', () => {
    const body = JSON.stringify({
      code: 99991672,
      msg: 'Access denied.',
      error: {
        log_id: 'body-log-id',
        troubleshooter: 'https://open.feishu.cn/search?log_id=1',
        permission_violations: [{ type: 'action_scope_required', subject: 'okr:okr' }],
      },
    })
    const error = failureOf(() => readEnvelope(op, answer(400, body, { 'x-tt-logid': 'header-log-id' }))) as FeishuError
    expect(error.details).toEqual({
      logId: 'header-log-id',
      troubleshooter: 'https://open.feishu.cn/search?log_id=1',
      scopes: ['okr:okr'],
    })
  })

  it('falls back to the body log id, then to X-Request-Id', () => {
    const withBodyId = failureOf(() =>
      readEnvelope(op, answer(400, '{"code":1,"error":{"log_id":"from-body"}}')),
    ) as FeishuError
    expect(withBodyId.details.logId).toBe('from-body')
    const withRequestId = failureOf(() =>
      readEnvelope(op, answer(400, '{"code":1}', { 'x-request-id': 'req-1' })),
    ) as FeishuError
    expect(withRequestId.details.logId).toBe('req-1')
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
  ])('makes %s an unreadable-answer error with the status and an excerpt', (_, status, body, detail) => {
    const error = failureOf(() => readEnvelope(op, answer(status, body)))
    expect(error).toBeInstanceOf(TransportError)
    expect(error).toMatchObject({ failure: 'unreadable', status, detail })
  })
})

describe('excerpt', () => {
  it('cuts out anything shaped like a token, even in a truncated token answer', () => {
    const cut = excerpt('{"code":0,"msg":"ok","tenant_access_token":"t-g1044aBcDeF')
    expect(cut).not.toContain('g1044aBcDeF')
    expect(excerpt('Bearer t-7f1bcd13fc57d46bac21793a18e560 rejected')).toBe('Bearer *** rejected')
  })

  it('cuts out the secrets it is given, and a secret field, before it is cut short', () => {
    const echoed = `<html><pre>{"app_id":"cli_1","app_secret":"S3cr3tValueNoOneMaySee"}</pre>${'x'.repeat(200)} S3cr3tValueNoOneMaySee</html>`
    const cut = excerpt(echoed, ['S3cr3tValueNoOneMaySee', undefined])
    expect(cut).not.toMatch(/S3cr3t/)
    expect(cut).toContain('"app_secret":"***"')
    expect(excerpt(`prefix ${'y'.repeat(100)}S3cr3tValueNoOneMaySee`, ['S3cr3tValueNoOneMaySee'])).not.toMatch(/S3cr/)
  })

  it('is short, on one line, and printable', () => {
    const cut = excerpt(`<html>\n\t${'x'.repeat(500)}\u0000</html>`)
    expect(cut.length).toBeLessThanOrEqual(121)
    expect(cut).toMatch(/^<html> x+…$/)
  })
})
