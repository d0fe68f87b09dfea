import { describe, expect, it } from '@jest/globals'
import { DEFAULT_APP_ID, DEFAULT_APP_SECRET, type Emulator } from '../../emulator/feishu.js'
import { onePeriodOutputs, QUARTERLY, runOn, startsEmulator, YEARLY } from '../support/fixtures.js'
import { TOKEN, CREATE, LIST, RULES, sent } from '../support/requests.js'
import type { RunOptions } from '../../emulator/runner.js'

let emulator: Emulator
const start = startsEmulator(started => (emulator = started))

const run = (inputs: Record<string, string>, options: Omit<RunOptions, 'inputs'> = {}) =>
  runOn(emulator, inputs, options)

describe('start_month current / next', () => {
  // 09:00 on 17 March 2027 in China: a cron run two weeks before the second quarter.
  const midMarch = '2027-03-17T01:00:00Z'

  it('next: fetches the rule, then creates the period after the one holding today (three requests)', async () => {
    await start()
    const result = await run({ start_month: 'next' }, { now: midMarch })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, RULES, CREATE])
    expect(emulator.requests[2].body).toEqual({ period_rule_id: QUARTERLY, start_month: '2027-04' })
    expect(result.outputs).toMatchObject({ start_month: '2027-04', end_month: '2027-06', created: 'true' })
    expect(result.stdout).toContain(
      `start_month 'next' is 2027-04: rule ${QUARTERLY} is quarterly from January, and today is in 2027-03 in Asia/Shanghai.`,
    )
  })

  it('current: the period that holds today', async () => {
    await start()
    const result = await run({ start_month: 'current' }, { now: midMarch })

    expect(result.outputs).toMatchObject({ start_month: '2027-01', end_month: '2027-03' })
  })

  it('reads today in the timezone input', async () => {
    // 01:00 on 1 January 2027 in China is still 31 December 2026 in UTC.
    const newYear = '2026-12-31T17:00:00Z'
    await start()
    const inChina = await run({ start_month: 'current', allow_existing: 'true' }, { now: newYear })
    const inUtc = await run({ start_month: 'current', timezone: 'UTC' }, { now: newYear })

    expect(inChina.outputs['start_month']).toBe('2027-01')
    expect(inUtc.outputs['start_month']).toBe('2026-10')
  })

  it('refuses an unknown time zone before any request', async () => {
    await start()
    const result = await run({ start_month: 'next', timezone: 'Asia/Nowhere' }, { now: midMarch })

    expect(result.exitCode).toBe(1)
    expect(result.errors).toEqual([
      'Input \'timezone\' must be an IANA time zone name such as Asia/Shanghai or UTC; got "Asia/Nowhere".',
    ])
    expect(emulator.requests).toEqual([])
  })

  it('follows a yearly rule across the year', async () => {
    await start()
    const result = await run({ period_rule_id: YEARLY, start_month: 'next' }, { now: '2027-05-01T00:00:00Z' })

    expect(result.outputs).toMatchObject({ start_month: '2028-01', end_month: '2028-12' })
  })

  it("an unknown rule is an error that lists the tenant's rules, and nothing is created", async () => {
    await start()
    const result = await run({ period_rule_id: '42', start_month: 'next' }, { now: midMarch })

    expect(result.exitCode).toBe(1)
    expect(sent(emulator)).toEqual([TOKEN, RULES])
    expect(result.errors).toEqual([
      "No period rule has the id 42 in this tenant (input 'period_rule_id'). The tenant's period rules: " +
        `${QUARTERLY} (type month, length 3, first month 1: quarterly from January); ` +
        `${YEARLY} (type year, length 12, first month 1: yearly from January); ` +
        '6969864184272078376 (type month, length 1, first month 1: monthly from January).',
    ])
  })
})

describe('dry_run', () => {
  it('checks the credentials and the rule, computes the months, creates nothing', async () => {
    await start()
    const result = await run({ start_month: '2027-04', dry_run: 'true' })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, RULES, LIST])
    expect(emulator.periods()).toEqual([])
    expect(result.outputs).toEqual(
      onePeriodOutputs({ period_id: '', start_month: '2027-04', end_month: '2027-06', created: 'false' }),
    )
    expect(result.stdout).toContain('Dry run: would create the OKR period 2027-04 to 2027-06; nothing was created.')
    expect(result.summary).toContain('<h3>OKR period (dry run)</h3>')
    expect(result.summary).toContain(
      '<td>(none: dry run)</td><td>2027-04</td><td>2027-06</td><td>dry run: nothing created</td>',
    )
  })

  it('resolves next like a real run', async () => {
    await start()
    const result = await run({ start_month: 'next', dry_run: 'true' }, { now: '2027-03-17T01:00:00Z' })

    expect(sent(emulator)).toEqual([TOKEN, RULES, LIST])
    expect(result.outputs).toMatchObject({ start_month: '2027-04', end_month: '2027-06', created: 'false' })
  })

  it('fails on wrong credentials', async () => {
    await start()
    const result = await run({ start_month: '2027-04', dry_run: 'true', app_secret: 'wrong' })

    expect(result.exitCode).toBe(1)
    expect(result.errors[0]).toMatch(/^Getting the tenant access token failed: Feishu answered code 10014 /)
    expect(sent(emulator)).toEqual([TOKEN])
  })

  it('fails on a month that does not start a period, naming the months that do', async () => {
    await start()
    const result = await run({ start_month: '2027-05', dry_run: 'true' })

    expect(result.exitCode).toBe(1)
    expect(result.errors).toEqual([
      `2027-05 does not start a period of rule ${QUARTERLY}: quarterly from January; try 2027-04 or 2027-07.`,
    ])
  })
})

describe('credentials from the environment', () => {
  it('reads FEISHU_APP_ID / FEISHU_APP_SECRET when the inputs are empty, and masks the secret', async () => {
    await start()
    const result = await run(
      { app_id: '', app_secret: '', start_month: '2027-01' },
      { env: { FEISHU_APP_ID: DEFAULT_APP_ID, FEISHU_APP_SECRET: DEFAULT_APP_SECRET } },
    )

    expect(result.exitCode).toBe(0)
    expect(emulator.requests[0].body).toEqual({ app_id: DEFAULT_APP_ID, app_secret: DEFAULT_APP_SECRET })
    expect(result.stdout).toContain(`::add-mask::${DEFAULT_APP_SECRET}`)
  })

  it('names both the input and the variable when neither is set', async () => {
    await start()
    const result = await run({ app_secret: '', start_month: '2027-01' })

    expect(result.errors).toEqual([
      "Input 'app_secret' is required: set it from a secret, e.g. ${{ secrets.FEISHU_APP_SECRET }}, or set the FEISHU_APP_SECRET environment variable.",
    ])
  })
})
