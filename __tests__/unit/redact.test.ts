import { describe, expect, it } from '@jest/globals'
import { addSecret, clean, digitsId } from '../../src/feishu/redact.js'
import { captureStdout } from '../support/stdout.js'

const stdout = captureStdout()

describe('clean', () => {
  it('cuts a secret out also as a server would quote it: escaped in JSON, in HTML, in a URL', () => {
    const secret = 'ab"cd<ef&gh tail'
    addSecret(secret)
    const json = JSON.stringify({ app_secret: secret })
    const html = json.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')
    for (const quoted of [json, html, encodeURIComponent(secret)]) {
      expect(clean(`page: ${quoted}`)).not.toMatch(/cd|ef|gh|tail/)
    }
  })

  it('masks a secret in the runner and cuts it out, before shortening, so that no part of it remains', () => {
    addSecret('S3cr3tValueNoOneMaySee')
    expect(stdout.lines().join('\n')).toContain('::add-mask::S3cr3tValueNoOneMaySee')
    expect(clean(`${'y'.repeat(190)}S3cr3tValueNoOneMaySee`)).not.toMatch(/S3cr/)
    expect(clean('a S3cr3tValueNoOneMaySee b')).toBe('a *** b')
  })

  it('cuts out what is shaped like a token, a secret field, a bearer header or a webhook', () => {
    expect(clean('{"code":0,"msg":"ok","tenant_access_token":"t-g1044aBcDeF')).toBe(
      '{"code":0,"msg":"ok","tenant_access_token":"***"',
    )
    expect(clean('Bearer abc.def rejected')).toBe('Bearer *** rejected')
    expect(clean('u-abcdefgh and t-12345678')).toBe('*** and ***')
    expect(clean('&quot;app_secret&quot;:&quot;plain&quot;')).toBe('&quot;app_secret&quot;:&quot;***&quot;')
    expect(clean('app_secret=plain&x=1')).toBe('app_secret=***&x=1')
    expect(clean('see https://open.feishu.cn/open-apis/bot/v2/hook/0a1b2c3d-0000 now')).toBe(
      'see https://open.feishu.cn/open-apis/bot/v2/hook/*** now',
    )
  })

  it('removes escape sequences and invisible characters, and joins lines', () => {
    expect(clean('\u001b[1;31mred\u001b[0m \u001b]0;title\u0007ok\u0000\u202e\u200b')).toBe('red ok')
    expect(clean('one\ntwo\r\nthree\u2028four')).toBe('one two three four')
  })

  it('leaves nothing the runner would read as a workflow command', () => {
    const forged = clean('x\n::set-output name=period_id::1\n##[error]boom\n::add-mask::')
    expect(forged).not.toMatch(/::|##\[/)
    expect(forged).not.toMatch(/\n/)
  })

  it('shortens to the limit, counting characters, not UTF-16 units', () => {
    expect(clean('周'.repeat(500))).toBe(`${'周'.repeat(199)}…`)
    expect([...clean('😀'.repeat(300), 10)]).toHaveLength(10)
  })
})

describe('digitsId', () => {
  it.each([
    ['7000000000000000042', '7000000000000000042'],
    [42, '42'],
    ['42\n::set-output name=x::y', undefined],
    ['<b>1</b>', undefined],
    ['', undefined],
    [-1, undefined],
    [1.5, undefined],
    [2 ** 60, undefined],
    [null, undefined],
  ])('reads %j as %j', (value, id) => {
    expect(digitsId(value)).toBe(id)
  })
})
