import { afterEach, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { Failure, describeFailure } from '../../src/feishu/errors.js'
import { DEFAULTS, readSettings } from '../../src/inputs.js'
import { DEFAULT_TEXT } from '../../src/notify/card.js'
import { parseMonth } from '../../src/okr/months.js'
import { captureStdout } from '../support/stdout.js'

const valid: Record<string, string> = {
  ...DEFAULTS,
  app_id: 'cli_a1b2c3d4e5f6',
  app_secret: 'app-secret-value',
  period_rule_id: '6969864184272078374',
  start_month: '2027-01',
}

const WEBHOOK = 'https://open.feishu.cn/open-apis/bot/v2/hook/0a1b2c3d-4e5f-6789-abcd-ef0123456789'

const saved = { ...process.env }

function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries({ ...valid, ...inputs }))
    process.env[`INPUT_${name.toUpperCase()}`] = value
}

/** The message of the input failure that `inputs` cause. */
function failure(inputs: Record<string, string>): { message: string } {
  setInputs(inputs)
  try {
    readSettings()
  } catch (error) {
    if (error instanceof Failure && error.kind === 'input') return { message: describeFailure(error) }
    throw error
  }
  throw new Error('expected an input failure')
}

const stdout = captureStdout()
afterEach(() => {
  process.env = { ...saved }
})

describe('readSettings', () => {
  it('turns valid inputs into settings', () => {
    setInputs({})
    expect(readSettings()).toEqual({
      client: {
        appId: 'cli_a1b2c3d4e5f6',
        appSecret: 'app-secret-value',
        baseUrl: 'https://open.feishu.cn',
        timeoutMs: 30_000,
        timeoutName: 'timeout_seconds',
        maxRetries: 3,
      },
      open: {
        periodRuleId: '6969864184272078374',
        start: { month: parseMonth('2027-01') },
        count: 1,
        allowExisting: false,
        dryRun: false,
        timeZone: 'Asia/Shanghai',
      },
      retire: undefined,
      notify: undefined,
    })
  })

  it('gives an optional input left empty the default action.yml declares', () => {
    const manifest = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
      inputs: Record<string, { required?: boolean; default?: string }>
    }
    const declared = Object.fromEntries(
      Object.entries(manifest.inputs)
        .filter(([, input]) => !input.required)
        .map(([name, input]) => [name, input.default]),
    )
    expect(DEFAULTS).toEqual(declared)

    const empty = Object.fromEntries(Object.keys(valid).map(name => [name, '']))
    setInputs({ ...empty, app_id: 'cli_1', app_secret: 's', period_rule_id: '1', start_month: '2027-01' })
    expect(readSettings()).toMatchObject({
      client: { baseUrl: 'https://open.feishu.cn', timeoutMs: 30_000, maxRetries: 3 },
      open: { count: 1, allowExisting: false, dryRun: false, timeZone: 'Asia/Shanghai' },
      retire: undefined,
      notify: undefined,
    })
  })

  it('reads count, retire and the announcement', () => {
    setInputs({
      count: '4',
      retire: 'hide',
      retire_after_months: '6',
      notify_chat_id: 'oc_abc123',
      notify_webhook: WEBHOOK,
      notify_webhook_secret: 'sign-secret',
      notify_when: 'always',
    })
    const settings = readSettings()
    expect(settings.open.count).toBe(4)
    expect(settings.retire).toEqual({ mode: 'hide', afterMonths: 6, dryRun: false, timeZone: 'Asia/Shanghai' })
    expect(settings.notify).toMatchObject({
      chatId: 'oc_abc123',
      webhook: { url: new URL(WEBHOOK), secret: 'sign-secret' },
      template: DEFAULT_TEXT,
      when: 'always',
    })
  })

  it('masks the webhook URL, its token and its secret', () => {
    setInputs({ notify_webhook: WEBHOOK, notify_webhook_secret: 'sign-secret' })
    readSettings()
    const masked = stdout.lines().join('\n')
    for (const secret of [WEBHOOK, '0a1b2c3d-4e5f-6789-abcd-ef0123456789', 'sign-secret']) {
      expect(masked).toContain(`::add-mask::${secret}`)
    }
  })

  it('masks the app secret', () => {
    setInputs({})
    readSettings()
    expect(stdout.lines().join('\n')).toContain('::add-mask::app-secret-value')
  })

  it.each([
    ['lark', 'https://open.larksuite.com'],
    ['LARK', 'https://open.larksuite.com'],
    ['https://feishu.example.com/', 'https://feishu.example.com'],
    ['https://example.com/feishu/', 'https://example.com/feishu'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
  ])('takes domain %s as %s', (domain, baseUrl) => {
    setInputs({ domain })
    expect(readSettings().client.baseUrl).toBe(baseUrl)
  })

  it.each([
    ['current', { relative: 'current' }],
    ['next', { relative: 'next' }],
  ])('takes start_month %s relative to today', (startMonth, expected) => {
    setInputs({ start_month: startMonth, timezone: 'asia/shanghai' })
    expect(readSettings().open).toMatchObject({ start: expected, timeZone: 'Asia/Shanghai' })
  })

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['FALSE', false],
  ])('reads the boolean %s', (text, value) => {
    setInputs({ allow_existing: text, dry_run: text })
    expect(readSettings().open).toMatchObject({ allowExisting: value, dryRun: value })
  })

  it('accepts fractions of a second, as whole milliseconds, and no retries', () => {
    setInputs({ timeout_seconds: '0.5', max_retries: '0' })
    expect(readSettings().client).toMatchObject({ timeoutMs: 500, maxRetries: 0 })
    setInputs({ timeout_seconds: '1.005' })
    expect(readSettings().client.timeoutMs).toBe(1005)
  })

  it('refuses a notify_webhook_secret without notify_webhook, whatever else is set', () => {
    expect(failure({ notify_chat_id: 'oc_abc', notify_webhook_secret: 's' }).message).toBe(
      "Input 'notify_webhook_secret' is set, but notify_webhook is not.",
    )
  })

  it('reads the credentials from FEISHU_APP_ID / FEISHU_APP_SECRET when the inputs are empty, and masks the secret', () => {
    setInputs({ app_id: '', app_secret: '' })
    process.env.FEISHU_APP_ID = 'cli_from_env'
    process.env.FEISHU_APP_SECRET = 'secret-from-env'
    expect(readSettings().client).toMatchObject({ appId: 'cli_from_env', appSecret: 'secret-from-env' })
    expect(stdout.lines().join('\n')).toContain('::add-mask::secret-from-env')
  })

  it('prefers the inputs over the environment', () => {
    setInputs({})
    process.env.FEISHU_APP_ID = 'cli_from_env'
    expect(readSettings().client.appId).toBe('cli_a1b2c3d4e5f6')
  })
})

describe('a bad input fails with one error that names it', () => {
  it.each([
    ['start_month', '2027-13', /^Input 'start_month' must be a month as YYYY-MM .*; got "2027-13"\.$/],
    ['start_month', '27-01', /got "27-01"/],
    ['start_month', '2027-1', /got "2027-1"/],
    ['start_month', '', /got nothing/],
    ['start_month', '2027-01 and more', /got "2027-01 and more"/],
    ['start_month', 'previous', /or 'current' or 'next'/],
    ['period_rule_id', '6969x', /^Input 'period_rule_id' must be the period rule's id, a string of digits/],
    ['period_rule_id', '', /got nothing/],
    ['allow_existing', 'yes', /^Input 'allow_existing' must be true or false; got "yes"\.$/],
    ['dry_run', '1', /^Input 'dry_run' must be true or false/],
    [
      'timeout_seconds',
      '-5',
      /^Input 'timeout_seconds' must be a number of seconds above 0 and at most 300; got "-5"\.$/,
    ],
    ['timeout_seconds', '0', /got "0"/],
    ['timeout_seconds', '301', /got "301"/],
    ['timeout_seconds', '1e3', /got "1e3"/],
    ['timeout_seconds', '0.0005', /got "0.0005"/],
    ['max_retries', '-1', /^Input 'max_retries' must be a whole number from 0 to 10; got "-1"\.$/],
    ['max_retries', '2.5', /got "2.5"/],
    ['max_retries', '11', /got "11"/],
    ['timezone', 'Asia Shanghai', /^Input 'timezone' must be an IANA time zone name/],
    ['timezone', '../etc/passwd', /got "..\/etc\/passwd"/],
    ['domain', 'http://open.feishu.cn', /plain http:\/\/ is refused except for a loopback host/],
    ['domain', 'http://10.0.0.5', /plain http:\/\/ is refused/],
    ['domain', 'ftp://open.feishu.cn', /^Input 'domain' must be feishu, lark, or the https:\/\/ base URL/],
    ['domain', 'open.feishu.cn', /got "open.feishu.cn"/],
    ['domain', 'https://user:pw@open.feishu.cn', /with no user name, password, query or fragment/],
    ['domain', 'http://127.0.0.1.evil.example', /plain http:\/\/ is refused/],
    ['app_id', 'cli a1', /^Input 'app_id' must be an App ID/],
    ['count', '0', /^Input 'count' must be a whole number from 1 to 12; got "0"\.$/],
    ['count', '13', /got "13"/],
    ['count', '2.0', /got "2.0"/],
    ['retire', 'delete', /^Input 'retire' must be one of none, hide, invalid; got "delete"\.$/],
    ['retire_after_months', '-1', /^Input 'retire_after_months' must be a whole number from 0 to 120/],
    ['notify_when', 'sometimes', /^Input 'notify_when' must be one of created, always/],
    ['notify_chat_id', 'chat-1', /^Input 'notify_chat_id' must be a chat id such as oc_/],
    [
      'notify_text',
      'Hi {who}',
      /^Input 'notify_text' has unknown placeholders \{who\}: the placeholders are \{start_month\}/,
    ],
    ['notify_text', 'x'.repeat(2001), /^Input 'notify_text' must be at most 2000 characters long\.$/],
    ['notify_webhook_secret', 'sign', /^Input 'notify_webhook_secret' is set, but notify_webhook is not\.$/],
  ])('%s = %j', (input, value, message) => {
    const error = failure({ [input]: value })
    expect(error.message).toMatch(message)
  })

  it.each([
    ['http://open.feishu.cn/open-apis/bot/v2/hook/abc', /plain http:\/\/ is refused/],
    ['https://open.feishu.cn/open-apis/im/v1/messages', /webhook URL/],
    ['https://user:pw@open.feishu.cn/open-apis/bot/v2/hook/abc', /with no user name/],
    ['not a url at all', /webhook URL/],
    ['https://open.feishu.cn/open-apis/bot/v2/hook/abc?redirect=1', /webhook URL/],
  ])('refuses the webhook %s without ever showing it', (url, message) => {
    const error = failure({ notify_webhook: url })
    expect(error.message).toMatch(/^Input 'notify_webhook' must be/)
    expect(error.message).toMatch(message)
    expect(error.message).not.toContain(url)
    expect(error.message).not.toContain('abc')
  })

  it('takes literal braces written twice in notify_text', () => {
    setInputs({ notify_webhook: WEBHOOK, notify_text: '{{x}} {periods}' })
    expect(readSettings().notify?.template).toBe('{{x}} {periods}')
  })

  it('looks the time zone up when start_month is relative, the one case that reads it', () => {
    expect(failure({ timezone: 'Mars/Olympus', start_month: 'next' }).message).toBe(
      'Input \'timezone\' must be an IANA time zone name such as Asia/Shanghai or UTC; got "Mars/Olympus".',
    )
    setInputs({ timezone: 'Mars/Olympus', start_month: '2027-01' })
    expect(readSettings().open.timeZone).toBe('Mars/Olympus')
    expect(failure({ timezone: 'Mars/Olympus', retire: 'hide' }).message).toMatch(/^Input 'timezone'/)
  })

  it('names both the input and the variable for missing credentials', () => {
    const error = failure({ app_id: '' })
    expect(error.message).toBe(
      "Input 'app_id' is required: set it from a secret, e.g. ${{ secrets.FEISHU_APP_ID }}, or set the FEISHU_APP_ID environment variable.",
    )
    expect(failure({ app_secret: '' }).message).toContain('FEISHU_APP_SECRET environment variable')
  })

  it('never repeats the app secret in its error', () => {
    const error = failure({ app_secret: 'has a space' })
    expect(error.message).not.toContain('has a space')
  })
})
