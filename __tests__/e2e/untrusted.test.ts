/**
 * Answers the action cannot trust: whatever a private deployment, a proxy or a broken gateway sends, the step's
 * memory stays bounded, and no server text reaches a log line, an output or the summary unless it is cleaned.
 */
import { describe, expect, it } from '@jest/globals'
import { DEFAULT_APP_SECRET, type Emulator, PATHS, startEmulator } from '../../emulator/feishu.js'
import { printed, QUARTERLY, runOn, startsEmulator, YEARLY } from '../support/fixtures.js'
import { TOKEN, CREATE, LIST, RULES, sent } from '../support/requests.js'

let emulator: Emulator
const start = startsEmulator(started => (emulator = started))

const run = (inputs: Record<string, string> = {}, env: Record<string, string> = {}) => runOn(emulator, inputs, { env })

/** Far above a Node process that reads at most 1 MiB of an answer, far below one that reads on. */
const MEMORY_BOUND_KIB = 200 * 1024
const unmasked = (text: string): string => text.replace(/^::add-mask::.*$/gm, '')
/** Lines the runner would read as workflow commands, but for the action's own masks, warnings and errors. */
const forgedCommands = (stdout: string): string[] =>
  stdout.split('\n').filter(line => /^\s*(::|##\[)/.test(line) && !/^::(add-mask|warning|error|debug)::/.test(line))

describe('an answer too large to read', () => {
  it('a huge answer: fails that attempt, saying the answer was too large', async () => {
    await start()
    emulator.inject({ method: 'POST', path: PATHS.token, fault: 'huge', bytes: 8 * 1024 * 1024 })
    const result = await run({ max_retries: '0' })

    expect(result.exitCode).toBe(1)
    expect(result.errors).toEqual([
      'Getting the tenant access token failed: HTTP 200, an answer larger than 1 MiB, the most any answer may be; the rest was not read.',
    ])
    expect(sent(emulator)).toEqual([TOKEN])
    expect(printed(result)).not.toMatch(/\n\s+at /)
  })

  it('an endless answer: stops reading, closes the connection, and the memory stays bounded', async () => {
    await start()
    emulator.inject({ method: 'POST', path: PATHS.periods, fault: 'endless' })
    const result = await run({ max_retries: '0', timeout_seconds: '20' })

    expect(result.exitCode).toBe(1)
    expect(result.errors).toEqual([
      expect.stringMatching(/^Creating the OKR period failed: HTTP 200, an answer larger than 1 MiB/),
    ])
    expect(result.maxRssKib).toBeDefined()
    expect(result.maxRssKib!).toBeLessThan(MEMORY_BOUND_KIB)
  })

  it('is retried like any answer lost on the way, and the retry can succeed', async () => {
    await start()
    emulator.inject({ method: 'GET', path: PATHS.periodRules, fault: 'huge' })
    const result = await run({ start_month: 'next' }, {})

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, RULES, RULES, CREATE])
    expect(result.stdout).toMatch(/Listing period rules: attempt 1 of 4 failed \(answer too large \(HTTP 200\)\)/)
  })
})

describe("Feishu's msg is cleaned before it is shown", () => {
  const hostile = [
    '\u001b[2J\u001b[31mcleared\u001b]0;owned\u0007',
    '\n::set-output name=period_id::666',
    '\n::add-mask::nothing\n##[error]forged',
    ` quoting ${DEFAULT_APP_SECRET} and t-0123456789abcdef `,
    'x'.repeat(300_000),
  ].join('')

  it('no escape sequence, no runner command, no secret, and one short line', async () => {
    await start()
    emulator.inject({ method: 'POST', path: PATHS.periods, fault: 'code', code: 1001001, msg: hostile })
    const result = await run({}, { RUNNER_DEBUG: '1' })

    expect(result.exitCode).toBe(1)
    expect(result.errors).toHaveLength(1)
    const [error] = result.errors
    expect(error.length).toBeLessThan(700)
    expect(error).toMatch(/^Creating the OKR period failed: Feishu answered code 1001001 "cleared : :set-output/)
    expect(printed(result)).not.toContain('\u001b')
    expect(forgedCommands(result.stdout)).toEqual([])
    expect(unmasked(printed(result))).not.toContain(DEFAULT_APP_SECRET)
    expect(printed(result)).not.toContain('t-0123456789abcdef')
    expect(result.outputs['period_id']).toBeUndefined()
    expect(result.summary).not.toContain('\u001b')
    expect(result.summary).not.toContain(DEFAULT_APP_SECRET)
  })
})

describe('a period_id that is not a string of digits is not an id', () => {
  it.each([
    ['a newline and a runner command', '7000000000000000042\n::set-output name=created::false'],
    ['HTML', '<img src=x onerror=alert(1)>'],
    ['a number beyond exact integers, quoted as text', '7e18'],
  ])('from the create, with %s: an empty output and a warning, never the value', async (_, id) => {
    await start()
    emulator.inject({
      method: 'POST',
      path: PATHS.periods,
      fault: 'answer',
      body: { code: 0, msg: 'success', data: { period_id: id, start_month: '2027-01', end_month: '2027-03' } },
    })
    const result = await run()

    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({
      period_id: '',
      start_month: '2027-01',
      end_month: '2027-03',
      created: 'true',
    })
    expect(result.warnings).toEqual([
      "Feishu created the period, but Feishu's answer had no usable period_id (a string of digits), so the period_id output is empty.",
    ])
    expect(printed(result)).not.toContain(id)
    expect(result.summary).not.toContain(id)
    expect(result.summary).not.toContain('<img')
    expect(forgedCommands(result.stdout)).toEqual([])
  })

  it('from the list: the period is matched on its months, and its id is not shown', async () => {
    await start({ periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01' }] })
    const [listed] = (await listOf(emulator)) as Record<string, unknown>[]
    emulator.inject({
      method: 'GET',
      path: PATHS.periods,
      fault: 'answer',
      body: { code: 0, msg: 'success', data: { has_more: false, items: [{ ...listed, id: '1\n::error::forged' }] } },
    })
    const result = await run({ allow_existing: 'true' })

    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({
      period_id: '',
      start_month: '2027-01',
      end_month: '2027-03',
      created: 'false',
    })
    expect(result.warnings).toEqual([expect.stringContaining("Feishu's answer had no usable period_id")])
    expect(forgedCommands(result.stdout)).toEqual([])
    expect(result.errors).toEqual([])
  })
})

describe('the right period: a yearly and a quarterly period that start the same month', () => {
  const quarter = { period_rule_id: QUARTERLY, start_month: '2027-01', id: '7000000000000000011' }
  const year = { period_rule_id: YEARLY, start_month: '2027-01', id: '7000000000000000012' }

  it.each(['overlap', 'same-rule'] as const)('both exist (%s conflicts): each rule gets its own', async conflicts => {
    await start({ conflicts, periods: [quarter, year] })
    const yearly = await run({ period_rule_id: YEARLY, allow_existing: 'true' })
    const quarterly = await run({ period_rule_id: QUARTERLY, allow_existing: 'true' })

    expect(yearly.outputs).toMatchObject({
      period_id: year.id,
      start_month: '2027-01',
      end_month: '2027-12',
      created: 'false',
    })
    expect(quarterly.outputs).toMatchObject({ period_id: quarter.id, end_month: '2027-03', created: 'false' })
    expect(emulator.periods()).toHaveLength(2)
  })

  it('only the quarter exists, and Feishu lets periods of different rules overlap: the year is created', async () => {
    await start({ conflicts: 'same-rule', periods: [quarter] })
    const result = await run({ period_rule_id: YEARLY, allow_existing: 'true' })

    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ start_month: '2027-01', end_month: '2027-12', created: 'true' })
    expect(result.outputs['period_id']).not.toBe(quarter.id)
    expect(sent(emulator)).toEqual([TOKEN, CREATE])
  })

  it('only the quarter exists, and Feishu refuses any overlap: fails, naming the quarter, never reporting it', async () => {
    await start({ conflicts: 'overlap', periods: [quarter] })
    const result = await run({ period_rule_id: YEARLY, allow_existing: 'true' })

    expect(result.exitCode).toBe(1)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, LIST, RULES])
    expect(result.outputs['period_id']).toBeUndefined()
    expect(result.errors).toEqual([
      expect.stringContaining(
        `The period asked for (2027-01 to 2027-12, rule ${YEARLY}) does not exist and cannot be created: period ${quarter.id} (2027-01 to 2027-03) occupies that time.`,
      ),
    ])
    expect(result.errors[0]).toMatch(/^Creating the OKR period failed: Feishu answered code 1001008 /)
  })
})

describe('a dry run on an existing period tells what a real run would do', () => {
  const existing = { period_rule_id: QUARTERLY, start_month: '2027-01', id: '7000000000000000042' }

  it('with allow_existing: finds it, and the outputs describe it', async () => {
    await start({ periods: [existing] })
    const result = await run({ dry_run: 'true', allow_existing: 'true' })

    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({
      period_id: existing.id,
      start_month: '2027-01',
      end_month: '2027-03',
      created: 'false',
    })
    expect(sent(emulator)).toEqual([TOKEN, RULES, LIST])
    expect(result.summary).toContain(
      `<td>${existing.id}</td><td>2027-01</td><td>2027-03</td><td>dry run: exists already</td>`,
    )
    expect(emulator.periods()).toHaveLength(1)
  })

  it('without allow_existing: fails as 1001008 would, with the same advice', async () => {
    await start({ periods: [existing] })
    const real = await run()
    const dry = await run({ dry_run: 'true' })

    expect(dry.exitCode).toBe(1)
    const advice =
      'The period starting 2027-01 exists already; set allow_existing: true to accept an existing period as success.'
    expect(real.errors[0]).toContain(advice)
    expect(dry.errors).toEqual([
      `Creating the OKR period (dry run) failed: period ${existing.id} (2027-01 to 2027-03) exists already, so Feishu would answer code 1001008. ${advice}`,
    ])
    expect(emulator.periods()).toHaveLength(1)
  })
})

describe('answers of the right type but the wrong content', () => {
  it('a list of 400,000 junk items: read within bounds, nothing crashes, the period is still reported', async () => {
    await start({ periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01' }] })
    emulator.inject({
      method: 'GET',
      path: PATHS.periods,
      fault: 'answer',
      body: { code: 0, msg: 'success', data: { has_more: false, items: Array<number>(400_000).fill(0) } },
    })
    const result = await run({ allow_existing: 'true', retire: 'hide' })

    expect(result.exitCode).toBe(0)
    expect(printed(result)).not.toMatch(/Unexpected error|call stack/)
    expect(result.outputs).toMatchObject({ period_id: '', start_month: '2027-01', created: 'false', retired: '[]' })
  })

  it('a create answer whose months are not the ones asked for: the months asked for are reported', async () => {
    await start()
    emulator.inject({
      method: 'POST',
      path: PATHS.periods,
      fault: 'answer',
      body: {
        code: 0,
        msg: 'success',
        data: { period_id: '7000000000000000042', start_month: '1999-01', end_month: '1998-01' },
      },
    })
    const result = await run()

    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ period_id: '7000000000000000042', start_month: '2027-01', end_month: '' })
  })

  it('a token too short to mask safely is not a token', async () => {
    await start()
    emulator.inject({
      method: 'POST',
      path: PATHS.token,
      fault: 'answer',
      body: { code: 0, msg: 'ok', tenant_access_token: 'e', expire: 7200 },
    })
    const result = await run()

    expect(result.exitCode).toBe(1)
    expect(result.stdout).not.toContain('::add-mask::e\n')
    expect(result.errors).toEqual([
      'Getting the tenant access token failed: Feishu answered code 0 without a usable tenant_access_token.',
    ])
    expect(sent(emulator)).toEqual([TOKEN])
  })

  it.each([
    'https://open.feishu.cn@evil.example/fix-it-here',
    'https://evil.example/open.feishu.cn',
    'javascript:alert(1)',
  ])("a troubleshooter link that is not Feishu's own (%s) is not shown", async link => {
    await start()
    emulator.inject({
      method: 'POST',
      path: PATHS.periods,
      fault: 'answer',
      status: 400,
      body: { code: 1001002, msg: 'No permission.', error: { troubleshooter: link } },
    })
    const result = await run()

    expect(result.exitCode).toBe(1)
    expect(printed(result)).not.toContain('evil.example')
    expect(printed(result)).not.toContain('javascript:')
    expect(result.errors[0]).not.toContain('Troubleshooter')
  })

  it('a period found hidden is reported, with a warning that members may not see it', async () => {
    await start({
      periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01', id: '7000000000000000042', status: 3 }],
    })
    const result = await run({ allow_existing: 'true' })

    expect(result.exitCode).toBe(0)
    expect(result.outputs['period_id']).toBe('7000000000000000042')
    expect(result.warnings).toEqual([
      'The existing period 7000000000000000042 is hidden in Feishu; set it back to normal in the OKR admin console if it is to be used.',
    ])
  })
})

describe('small things', () => {
  it('says why a connection failed once', async () => {
    const closed = await startEmulator()
    const url = closed.url
    await closed.close()
    await start()
    const result = await run({ domain: url, max_retries: '1' })

    expect(result.exitCode).toBe(1)
    expect(printed(result)).not.toContain('connection failed (the connection failed')
    expect(result.stdout).toContain('attempt 1 of 2 failed (the connection failed (ECONNREFUSED)); retrying in')
  })
})

async function listOf(feishu: Emulator): Promise<unknown[]> {
  const token = (await (
    await fetch(`${feishu.url}${PATHS.token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: 'cli_emulator0000001', app_secret: DEFAULT_APP_SECRET }),
    })
  ).json()) as { tenant_access_token: string }
  const answer = (await (
    await fetch(`${feishu.url}${PATHS.periods}?page_size=100`, {
      headers: { authorization: `Bearer ${token.tenant_access_token}` },
    })
  ).json()) as { data: { items: unknown[] } }
  feishu.requests.length = 0
  return answer.data.items
}
