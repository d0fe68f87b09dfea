import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { InputError } from '../../src/errors.js'
import { readSettings } from '../../src/inputs.js'
import { parseMonth } from '../../src/months.js'

const valid: Record<string, string> = {
  app_id: 'cli_a1b2c3d4e5f6',
  app_secret: 'app-secret-value',
  period_rule_id: '6969864184272078374',
  start_month: '2027-01',
  allow_existing: 'false',
  dry_run: 'false',
  domain: 'feishu',
  timezone: 'Asia/Shanghai',
  timeout_seconds: '30',
  max_retries: '3',
}

let stdout: string[]
const saved = { ...process.env }

function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries({ ...valid, ...inputs }))
    process.env[`INPUT_${name.toUpperCase()}`] = value
}

function failure(inputs: Record<string, string>): InputError {
  setInputs(inputs)
  try {
    readSettings()
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}

beforeEach(() => {
  stdout = []
  jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
    stdout.push(String(chunk))
    return true
  })
})

afterEach(() => {
  jest.restoreAllMocks()
  process.env = { ...saved }
})

describe('readSettings', () => {
  it('turns valid inputs into settings', () => {
    setInputs({})
    expect(readSettings()).toEqual({
      appId: 'cli_a1b2c3d4e5f6',
      appSecret: 'app-secret-value',
      periodRuleId: '6969864184272078374',
      startMonth: { month: parseMonth('2027-01') },
      allowExisting: false,
      dryRun: false,
      baseUrl: 'https://open.feishu.cn',
      timeoutMs: 30_000,
      maxRetries: 3,
      timeZone: 'Asia/Shanghai',
    })
  })

  it('masks the app secret', () => {
    setInputs({})
    readSettings()
    expect(stdout.join('')).toContain('::add-mask::app-secret-value')
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
    expect(readSettings().baseUrl).toBe(baseUrl)
  })

  it.each([
    ['current', { relative: 'current' }],
    ['next', { relative: 'next' }],
  ])('takes start_month %s relative to today', (startMonth, expected) => {
    setInputs({ start_month: startMonth, timezone: 'asia/shanghai' })
    expect(readSettings()).toMatchObject({ startMonth: expected, timeZone: 'Asia/Shanghai' })
  })

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['FALSE', false],
  ])('reads the boolean %s', (text, value) => {
    setInputs({ allow_existing: text, dry_run: text })
    expect(readSettings()).toMatchObject({ allowExisting: value, dryRun: value })
  })

  it('accepts fractions of a second and no retries', () => {
    setInputs({ timeout_seconds: '0.5', max_retries: '0' })
    expect(readSettings()).toMatchObject({ timeoutMs: 500, maxRetries: 0 })
  })

  it('reads the credentials from FEISHU_APP_ID / FEISHU_APP_SECRET when the inputs are empty, and masks the secret', () => {
    setInputs({ app_id: '', app_secret: '' })
    process.env.FEISHU_APP_ID = 'cli_from_env'
    process.env.FEISHU_APP_SECRET = 'secret-from-env'
    expect(readSettings()).toMatchObject({ appId: 'cli_from_env', appSecret: 'secret-from-env' })
    expect(stdout.join('')).toContain('::add-mask::secret-from-env')
  })

  it('prefers the inputs over the environment', () => {
    setInputs({})
    process.env.FEISHU_APP_ID = 'cli_from_env'
    expect(readSettings().appId).toBe('cli_a1b2c3d4e5f6')
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
    ['max_retries', '-1', /^Input 'max_retries' must be a whole number from 0 to 10; got "-1"\.$/],
    ['max_retries', '2.5', /got "2.5"/],
    ['max_retries', '11', /got "11"/],
    ['timezone', 'Asia Shanghai', /^Input 'timezone' must be an IANA time zone name/],
    ['timezone', '../etc/passwd', /got "..\/etc\/passwd"/],
    ['timezone', '', /got nothing/],
    ['domain', 'http://open.feishu.cn', /plain http:\/\/ is refused except for a loopback host/],
    ['domain', 'http://10.0.0.5', /plain http:\/\/ is refused/],
    ['domain', 'ftp://open.feishu.cn', /^Input 'domain' must be feishu, lark, or the https:\/\/ base URL/],
    ['domain', 'open.feishu.cn', /got "open.feishu.cn"/],
    ['domain', 'https://user:pw@open.feishu.cn', /with no user name, password, query or fragment/],
    ['domain', 'http://127.0.0.1.evil.example', /plain http:\/\/ is refused/],
    ['app_id', 'cli a1', /^Input 'app_id' must be an App ID/],
  ])('%s = %j', (input, value, message) => {
    const error = failure({ [input]: value })
    expect(error.input).toBe(input)
    expect(error.message).toMatch(message)
  })

  it('looks the time zone up when start_month is relative, the one case that reads it', () => {
    expect(failure({ timezone: 'Mars/Olympus', start_month: 'next' }).message).toBe(
      'Input \'timezone\' must be an IANA time zone name such as Asia/Shanghai or UTC; got "Mars/Olympus".',
    )
    setInputs({ timezone: 'Mars/Olympus', start_month: '2027-01' })
    expect(readSettings().timeZone).toBe('Mars/Olympus')
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
