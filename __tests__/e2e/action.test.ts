import { describe, expect, it } from '@jest/globals'
import { type Emulator, PATHS } from '../../emulator/feishu.js'
import { MONTHLY, onePeriodOutputs, printed, QUARTERLY, runOn, startsEmulator } from '../support/fixtures.js'
import { TOKEN, CREATE, LIST, RULES, sent } from '../support/requests.js'

let emulator: Emulator
const start = startsEmulator(started => (emulator = started))

const run = (inputs: Record<string, string> = {}, env: Record<string, string> = {}) => runOn(emulator, inputs, { env })

describe('creating a period', () => {
  it('creates it with two requests, sets the outputs and writes the summary', async () => {
    await start()
    const result = await run()

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, CREATE])
    const [period] = emulator.periods()
    expect(result.outputs).toEqual(
      onePeriodOutputs({
        period_id: period.id,
        start_month: '2027-01',
        end_month: '2027-03',
        created: 'true',
      }),
    )
    expect(result.stdout).toContain(`Created OKR period ${period.id} (2027-01 to 2027-03).`)
    expect(result.summary).toContain('<h3>OKR period</h3>')
    expect(result.summary).toContain(
      `<td>${period.id}</td><td>2027-01</td><td>2027-03</td><td>created</td><td>${new URL(emulator.url).host}</td>`,
    )
  })

  it('sends the token request with the credentials, and the create request with the token', async () => {
    await start()
    await run()

    const [token, create] = emulator.requests
    expect(token.body).toEqual({ app_id: 'cli_emulator0000001', app_secret: 'emulator-app-secret-0001' })
    expect(create.body).toEqual({ period_rule_id: QUARTERLY, start_month: '2027-01' })
    expect(create.headers['authorization']).toMatch(/^Bearer t-[0-9a-f]{30}$/)
    expect(create.headers['content-type']).toBe('application/json; charset=utf-8')
  })
})

describe('a private deployment', () => {
  it('keeps the path of a domain given as a base URL', async () => {
    await start({ basePath: '/feishu' })
    const result = await run({ domain: `${emulator.url}/feishu/` })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([`POST /feishu${PATHS.token}`, `POST /feishu${PATHS.periods}`])
  })
})

describe('inputs are checked before any request', () => {
  it.each([
    ['start_month', '2027-13'],
    ['start_month', '27-01'],
    ['start_month', '2027-1'],
    ['start_month', ''],
    ['start_month', '2027-01 please'],
    ['period_rule_id', '69698x'],
    ['allow_existing', 'yes'],
    ['timeout_seconds', '-1'],
    ['max_retries', 'many'],
    ['domain', 'http://open.feishu.cn'],
    ['timezone', 'Asia Shanghai'],
    ['domain', 'constructor'],
  ])('%s = %j fails with one error naming it, no stack trace, nothing sent', async (input, value) => {
    await start()
    const result = await run({ [input]: value })

    expect(result.exitCode).toBe(1)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toMatch(new RegExp(`^Input '${input}' must be`))
    expect(printed(result)).not.toMatch(/\n\s+at /)
    expect(emulator.requests).toEqual([])
    expect(result.outputs).toEqual({})
  })

  it('fails on missing credentials, naming the input and the environment variable', async () => {
    await start()
    const result = await run({ app_id: '' })

    expect(result.exitCode).toBe(1)
    expect(result.errors).toEqual([
      "Input 'app_id' is required: set it from a secret, e.g. ${{ secrets.FEISHU_APP_ID }}, or set the FEISHU_APP_ID environment variable.",
    ])
    expect(emulator.requests).toEqual([])
  })
})

describe('wrong credentials', () => {
  it('points at the credentials whatever the code of a lasting refusal of the token call', async () => {
    await start()
    emulator.inject({ method: 'POST', path: PATHS.token, fault: 'code', code: 99991664, msg: 'invalid app token' })
    const result = await run()

    expect(result.errors[0]).toMatch(/code 99991664 "invalid app token" \(HTTP 400\)\. Check app_id and app_secret/)
  })

  it('does not blame the credentials for a server error of the token call', async () => {
    await start()
    emulator.inject({ method: 'POST', path: PATHS.token, fault: 'code', status: 503, code: 4242, msg: 'overloaded' })
    const result = await run({ max_retries: '0' })

    expect(result.errors).toEqual([
      expect.stringMatching(
        /^Getting the tenant access token failed: Feishu answered code 4242 "overloaded" \(HTTP 503\)\. Log id: \w+\.$/,
      ),
    ])
  })

  it('says why in the job summary too', async () => {
    await start()
    const result = await run({ app_secret: 'wrong-secret' })

    expect(result.summary).toMatch(
      /^<h3>OKR period<\/h3>\n<p><strong>Failed:<\/strong> Getting the tenant access token failed: Feishu answered code 10014 /,
    )
    expect(result.summary).not.toContain('wrong-secret')
  })

  it.each([
    [200, { app_id: 'cli_unknown' }, 10003, /Check app_id/],
    [400, { app_id: 'cli_unknown' }, 10003, /Check app_id/],
    [200, { app_secret: 'wrong-secret' }, 10014, /The app_id or app_secret is wrong/],
    [400, { app_secret: 'wrong-secret' }, 10014, /The app_id or app_secret is wrong/],
  ])('HTTP %d: fail with the code and the hint, and never call the OKR API', async (status, inputs, code, hint) => {
    await start({ authFailureStatus: status })
    const result = await run(inputs)

    expect(result.exitCode).toBe(1)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toMatch(
      new RegExp(`^Getting the tenant access token failed: Feishu answered code ${code} .*\\(HTTP ${status}\\)\\. `),
    )
    expect(result.errors[0]).toMatch(hint)
    expect(result.errors[0]).toMatch(/Log id: \w+\.$/)
    expect(sent(emulator)).toEqual([TOKEN])
  })
})

describe('a period that exists already (1001008)', () => {
  it('is success with allow_existing, described by the listed period', async () => {
    await start({ periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01', id: '7000000000000000042' }] })
    const result = await run({ allow_existing: 'true' })

    expect(result.exitCode).toBe(0)
    expect(result.outputs).toEqual(
      onePeriodOutputs({
        period_id: '7000000000000000042',
        start_month: '2027-01',
        end_month: '2027-03',
        created: 'false',
      }),
    )
    expect(sent(emulator)).toEqual([TOKEN, CREATE, LIST, RULES])
    expect(result.summary).toContain(
      '<td>7000000000000000042</td><td>2027-01</td><td>2027-03</td><td>already existed</td>',
    )
    expect(emulator.periods()).toHaveLength(1)
  })

  it('follows page_token through every page to find it', async () => {
    const periods = Array.from({ length: 25 }, (_, i) => ({ period_rule_id: MONTHLY, start_month: `${2001 + i}-01` }))
    await start({
      maxPageSize: 10,
      periods: [...periods, { period_rule_id: QUARTERLY, start_month: '1999-04', id: '7000000000000000099' }],
    })
    const result = await run({ start_month: '1999-04', allow_existing: 'true' })

    expect(result.outputs).toMatchObject({
      period_id: '7000000000000000099',
      start_month: '1999-04',
      end_month: '1999-06',
    })
    expect(sent(emulator)).toEqual([TOKEN, CREATE, LIST, LIST, LIST, RULES])
    expect(emulator.requests.slice(2, 5).map(request => request.query['page_token'] ?? '')).toEqual([
      '',
      expect.stringMatching(/.+/),
      expect.stringMatching(/.+/),
    ])
  })

  it('never reports a period of another rule that holds the month: it names it and fails', async () => {
    await start({ periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01', id: '7000000000000000042' }] })
    const result = await run({ period_rule_id: MONTHLY, start_month: '2027-02', allow_existing: 'true' })

    expect(result.exitCode).toBe(1)
    expect(result.outputs).toMatchObject({ periods: '[]', created_count: '0' })
    expect(result.outputs['period_id']).toBeUndefined()
    expect(result.errors).toEqual([
      expect.stringContaining(
        `The period asked for (2027-02 to 2027-02, rule ${MONTHLY}) does not exist and cannot be created: period 7000000000000000042 (2027-01 to 2027-03) occupies that time.`,
      ),
    ])
  })

  it('reads 19-digit ids sent as bare numbers without rounding them', async () => {
    await start({
      periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01', id: '7000000000000000042' }],
      numericIds: true,
    })
    const existing = await run({ allow_existing: 'true' })
    const created = await run({ start_month: '2027-04' })

    expect(existing.outputs['period_id']).toBe('7000000000000000042')
    expect(created.outputs['period_id']).toBe(emulator.periods()[1].id)
    expect(created.outputs['period_id']).toMatch(/^\d{19}$/)
  })

  it('still succeeds, with a warning, when the list of periods fails', async () => {
    await start({ periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01' }] })
    emulator.inject({ method: 'GET', path: PATHS.periods, fault: 'status500', times: 5 })
    const result = await run({ allow_existing: 'true', max_retries: '1' })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, LIST, LIST])
    expect(result.outputs).toEqual(
      onePeriodOutputs({ period_id: '', start_month: '2027-01', end_month: '', created: 'false' }),
    )
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^A period for 2027-01 exists already \(code 1001008\), so the step succeeds, but the period_id output is empty: listing the periods failed: Listing OKR periods failed: Feishu answered code 1009999 .* Log id: \w+\.$/,
      ),
    ])
  })

  it('still succeeds with a warning and an empty period_id when the period cannot be identified', async () => {
    await start({ periodTimes: false, periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01' }] })
    const result = await run({ allow_existing: 'true' })

    expect(result.exitCode).toBe(0)
    expect(result.outputs).toEqual(
      onePeriodOutputs({ period_id: '', start_month: '2027-01', end_month: '', created: 'false' }),
    )
    expect(result.warnings).toEqual([expect.stringContaining('the period_id output is empty')])
  })

  it('fails without allow_existing, saying the period exists and how to accept that', async () => {
    await start({ periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01' }] })
    const result = await run()

    expect(result.exitCode).toBe(1)
    expect(result.errors).toEqual([
      'Creating the OKR period failed: Feishu answered code 1001008 "Conflict period existed." (HTTP 400). A period for that time already exists. ' +
        `The period starting 2027-01 exists already; set allow_existing: true to accept an existing period as success. Log id: ${emulatorLogId(result.errors[0])}.`,
    ])
    expect(sent(emulator)).toEqual([TOKEN, CREATE])
  })

  it('lets two workflows racing on the same month both succeed with the same period_id', async () => {
    await start()
    const [first, second] = await Promise.all([run({ allow_existing: 'true' }), run({ allow_existing: 'true' })])

    expect([first.exitCode, second.exitCode]).toEqual([0, 0])
    expect(emulator.periods()).toHaveLength(1)
    expect(first.outputs['period_id']).toBe(emulator.periods()[0].id)
    expect(second.outputs['period_id']).toBe(first.outputs['period_id'])
    expect([first.outputs['created'], second.outputs['created']].sort()).toEqual(['false', 'true'])
  })
})

describe('failure messages carry the code, msg, hint, troubleshooter and log id', () => {
  it('1000403: needs the OKR Business edition', async () => {
    await start({ edition: 'standard' })
    const result = await run()

    expect(result.exitCode).toBe(1)
    expect(result.errors[0]).toMatch(
      /^Creating the OKR period failed: Feishu answered code 1000403 "OpenAPI is unavailable in current edition/,
    )
    expect(result.errors[0]).toContain('needs the OKR Business edition')
    expect(result.errors[0]).toMatch(/Log id: \w+\.$/)
  })

  it('99991672: names the scope to grant, and the troubleshooter', async () => {
    await start({ scopes: [] })
    const result = await run()

    expect(result.errors[0]).toContain('Grant the app the scope okr:okr')
    expect(result.errors[0]).toMatch(/Troubleshooter: https:\/\/open\.feishu\.cn\/search\?log_id=\w+\. Log id: \w+\.$/)
  })

  it('1001004: lists the rules the tenant has', async () => {
    await start()
    const result = await run({ period_rule_id: '123' })

    expect(result.errors[0]).toMatch(
      /code 1001004 .*No period rule has that period_rule_id in this tenant\. The tenant's period rules: /,
    )
    expect(result.errors[0]).toContain(`${QUARTERLY} (type month, length 3, first month 1: quarterly from January)`)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, RULES])
  })

  it.each([
    [5, '2027-03', '.'],
    [24, '2027-01', '; try 2026-01 or 2028-01.'],
  ])(
    '1001009 under a rule of %d months: suggests months only where periods tile the years',
    async (length, month, ending) => {
      await start({ rules: [{ period_rule_id: '77', type: 'month', length, first_month: 1 }] })
      const result = await run({ period_rule_id: '77', start_month: month })

      expect(result.errors[0]).toContain(
        `${month} does not start a period of rule 77: every ${length} months from January${ending}`,
      )
    },
  )

  it('1001009: says which months fit the rule', async () => {
    await start()
    const result = await run({ start_month: '2027-02' })

    expect(result.errors[0]).toContain(
      `2027-02 does not start a period of rule ${QUARTERLY}: quarterly from January; try 2027-01 or 2027-04.`,
    )
  })
})

describe('secrets', () => {
  it.each([
    ['a success', {}],
    ['a failure', { start_month: '2027-02' }],
  ])('masks the app secret and the token and prints neither, even in debug logs (%s)', async (_, inputs) => {
    await start()
    const result = await run(inputs, { RUNNER_DEBUG: '1' })

    const token = emulator.requests[1].headers['authorization'].replace('Bearer ', '')
    expect(result.stdout).toContain('::add-mask::emulator-app-secret-0001')
    expect(result.stdout).toContain(`::add-mask::${token}`)
    const unmasked = printed(result).replace(/^::add-mask::.*$/gm, '')
    for (const secret of ['emulator-app-secret-0001', token, token.slice(2)]) {
      expect(unmasked).not.toContain(secret)
      expect(result.summary).not.toContain(secret)
      expect(JSON.stringify(result.outputs)).not.toContain(secret)
    }
  })
})

describe('an error page that quotes the request', () => {
  it('never shows the app secret, nor a part of it', async () => {
    const appSecret = 'Zq9Wx7Vb5Nm3Lk1Jh8Gf'
    await start({ appId: 'cli_1', appSecret })
    emulator.inject({ method: 'POST', path: PATHS.token, fault: 'echo' })
    const result = await run({ app_id: 'cli_1', app_secret: appSecret, max_retries: '0' })

    expect(result.exitCode).toBe(1)
    expect(result.errors[0]).toMatch(
      /^Getting the tenant access token failed: HTTP 502, not a Feishu answer: <html>.*app_secret&quot;:&quot;\*\*\*/,
    )
    const unmasked = printed(result).replace(/^::add-mask::.*$/gm, '')
    expect(unmasked).not.toContain(appSecret.slice(0, 3))
  })
})

function emulatorLogId(message: string | undefined): string {
  return /Log id: (\w+)\.$/.exec(message ?? '')?.[1] ?? 'missing'
}
