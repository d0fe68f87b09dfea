/** Keeping the OKR calendar: several periods ahead (`count`), and old ones retired (`retire`). */
import { describe, expect, it } from '@jest/globals'
import { type Emulator, PATHS, type PeriodSeed } from '../../emulator/feishu.js'
import type { RunOptions } from '../../emulator/runner.js'
import { QUARTERLY, runOn, startsEmulator } from '../support/fixtures.js'
import { TOKEN, CREATE, LIST, RULES, sent } from '../support/requests.js'

let emulator: Emulator
const start = startsEmulator(started => (emulator = started))

// 09:00 on 17 March 2027 in China: a run two weeks before the second quarter.
const midMarch = '2027-03-17T01:00:00Z'

const run = (inputs: Record<string, string>, options: Omit<RunOptions, 'inputs'> = {}) =>
  runOn(emulator, inputs, { now: midMarch, ...options })

const PATCH = 'PATCH'
const patches = (): { path: string; body: unknown }[] =>
  emulator.requests.filter(r => r.method === PATCH).map(r => ({ path: r.path, body: r.body }))
const periodsOutput = (outputs: Record<string, string>): unknown => JSON.parse(outputs['periods'] ?? 'null')
const starts = (): string[] => emulator.periods().map(p => p.start_month)

describe('count: several periods ahead', () => {
  it('count 4 from next: the rule fetched once, four periods, the outputs and one summary row each', async () => {
    await start()
    const result = await run({ start_month: 'next', count: '4' })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, RULES, CREATE, CREATE, CREATE, CREATE])
    expect(emulator.requests.filter(r => r.method === 'POST' && r.path === PATHS.periods).map(r => r.body)).toEqual(
      ['2027-04', '2027-07', '2027-10', '2028-01'].map(start_month => ({ period_rule_id: QUARTERLY, start_month })),
    )
    const ids = emulator.periods().map(p => p.id)
    expect(periodsOutput(result.outputs)).toEqual([
      { period_id: ids[0], start_month: '2027-04', end_month: '2027-06', created: true },
      { period_id: ids[1], start_month: '2027-07', end_month: '2027-09', created: true },
      { period_id: ids[2], start_month: '2027-10', end_month: '2027-12', created: true },
      { period_id: ids[3], start_month: '2028-01', end_month: '2028-03', created: true },
    ])
    expect(result.outputs).toMatchObject({
      period_id: ids[0],
      start_month: '2027-04',
      end_month: '2027-06',
      created: 'true',
      created_count: '4',
    })
    expect(result.summary).toContain('<h3>OKR periods</h3>')
    for (const [i, [s, e]] of [
      ['2027-04', '2027-06'],
      ['2027-07', '2027-09'],
      ['2027-10', '2027-12'],
      ['2028-01', '2028-03'],
    ].entries()) {
      expect(result.summary).toContain(`<td>${ids[i]}</td><td>${s}</td><td>${e}</td><td>created</td>`)
    }
  })

  it('with some periods existing and allow_existing: finds those, creates the rest, never twice', async () => {
    await start({ periods: [{ period_rule_id: QUARTERLY, start_month: '2027-07', id: '7000000000000000077' }] })
    const result = await run({ start_month: '2027-04', count: '3', allow_existing: 'true' })

    expect(result.exitCode).toBe(0)
    expect(starts().sort()).toEqual(['2027-04', '2027-07', '2027-10'])
    expect(periodsOutput(result.outputs)).toMatchObject([
      { start_month: '2027-04', created: true },
      { period_id: '7000000000000000077', start_month: '2027-07', end_month: '2027-09', created: false },
      { start_month: '2027-10', created: true },
    ])
    expect(result.outputs['created_count']).toBe('2')
    expect(result.summary).toContain(
      '<td>7000000000000000077</td><td>2027-07</td><td>2027-09</td><td>already existed</td>',
    )
  })

  it('with some periods existing and no allow_existing: stops there, lists what was done, and says how to finish', async () => {
    await start({ periods: [{ period_rule_id: QUARTERLY, start_month: '2027-07', id: '7000000000000000077' }] })
    const result = await run({ start_month: '2027-04', count: '3' })

    expect(result.exitCode).toBe(1)
    const [first] = emulator.periods().filter(p => p.start_month === '2027-04')
    expect(periodsOutput(result.outputs)).toEqual([
      { period_id: first.id, start_month: '2027-04', end_month: '2027-06', created: true },
    ])
    expect(result.outputs).toMatchObject({ period_id: first.id, created_count: '1' })
    expect(result.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Period 2 of 3 \\(starting 2027-07\\) failed: Creating the OKR period failed: Feishu answered code 1001008 .* Done before it: 2027-04 \\(created, ${first.id}\\)\\. Re-run with allow_existing: true to complete the rest`,
        ),
      ),
    ])
    expect(result.summary).toContain(`<td>${first.id}</td><td>2027-04</td><td>2027-06</td><td>created</td>`)
    expect(result.summary).toContain('<strong>Failed:</strong> Period 2 of 3')
  })

  it('a failure part-way (period 3 of 4 refused), then a re-run with allow_existing completes the rest', async () => {
    await start()
    emulator.inject({
      method: 'POST',
      path: PATHS.periods,
      fault: 'code',
      after: 2,
      code: 1001002,
      msg: 'No permission.',
      status: 403,
    })
    const failed = await run({ start_month: '2027-04', count: '4' })

    expect(failed.exitCode).toBe(1)
    expect(starts()).toEqual(['2027-04', '2027-07'])
    expect((periodsOutput(failed.outputs) as unknown[]).length).toBe(2)
    expect(failed.outputs['created_count']).toBe('2')
    expect(failed.errors[0]).toMatch(/^Period 3 of 4 \(starting 2027-10\) failed: .*code 1001002/)
    expect(failed.errors[0]).toMatch(/Done before it: 2027-04 \(created, \d+\), 2027-07 \(created, \d+\)\./)

    const again = await run({ start_month: '2027-04', count: '4', allow_existing: 'true' })
    expect(again.exitCode).toBe(0)
    expect(starts().sort()).toEqual(['2027-04', '2027-07', '2027-10', '2028-01'])
    expect(again.outputs['created_count']).toBe('2')
    expect((periodsOutput(again.outputs) as { created: boolean }[]).map(p => p.created)).toEqual([
      false,
      false,
      true,
      true,
    ])
  })

  it('a dry run lists what each period would get, and creates nothing', async () => {
    await start({ periods: [{ period_rule_id: QUARTERLY, start_month: '2027-07', id: '7000000000000000077' }] })
    const result = await run({ start_month: 'next', count: '3', dry_run: 'true', allow_existing: 'true' })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, RULES, LIST])
    expect(periodsOutput(result.outputs)).toEqual([
      { period_id: '', start_month: '2027-04', end_month: '2027-06', created: false },
      { period_id: '7000000000000000077', start_month: '2027-07', end_month: '2027-09', created: false },
      { period_id: '', start_month: '2027-10', end_month: '2027-12', created: false },
    ])
    expect(result.summary).toContain('<h3>OKR periods (dry run)</h3>')
    expect(result.summary).toContain(
      '<td>7000000000000000077</td><td>2027-07</td><td>2027-09</td><td>dry run: exists already</td>',
    )
    expect(emulator.periods()).toHaveLength(1)
  })
})

describe('retire: old periods hidden or marked invalid', () => {
  // Today is in 2027-03: 2026's fourth quarter ended last month.
  const mixed: PeriodSeed[] = [
    { period_rule_id: QUARTERLY, start_month: '2026-01', id: '7000000000000000001' },
    { period_rule_id: QUARTERLY, start_month: '2026-04', id: '7000000000000000002', status: 1 },
    { period_rule_id: QUARTERLY, start_month: '2026-07', id: '7000000000000000003', status: 3 },
    { period_rule_id: QUARTERLY, start_month: '2026-10', id: '7000000000000000004' },
    { period_rule_id: QUARTERLY, start_month: '2027-01', id: '7000000000000000005' },
    { period_rule_id: QUARTERLY, start_month: '2025-10', id: '7000000000000000006', times: false },
    { period_rule_id: QUARTERLY, start_month: '2025-07', id: '7000000000000000007', status: 2 },
  ]
  const statuses = (): Record<string, number> => Object.fromEntries(emulator.periods().map(p => [p.id, p.status]))

  it.each([
    ['hide', 3],
    ['invalid', 2],
  ])(
    '%s: every normal period that ended, oldest first; nothing else, and never the one opened',
    async (mode, status) => {
      await start({ periods: mixed })
      const result = await run({ start_month: '2027-04', retire: mode, retire_after_months: '0' })

      expect(result.exitCode).toBe(0)
      expect(sent(emulator)).toEqual(
        [TOKEN, CREATE, LIST, PATCH, PATCH, PATCH].map(r => (r === PATCH ? expect.stringMatching(/^PATCH /) : r)),
      )
      expect(patches()).toEqual(
        ['7000000000000000001', '7000000000000000002', '7000000000000000004'].map(id => ({
          path: PATHS.period(id),
          body: { status },
        })),
      )
      expect(statuses()).toMatchObject({
        '7000000000000000001': status,
        '7000000000000000002': status,
        '7000000000000000003': 3,
        '7000000000000000004': status,
        '7000000000000000005': 0,
        '7000000000000000006': 0,
        '7000000000000000007': 2,
      })
      expect(JSON.parse(result.outputs['retired'])).toEqual([
        { period_id: '7000000000000000001', start_month: '2026-01', end_month: '2026-03', status },
        { period_id: '7000000000000000002', start_month: '2026-04', end_month: '2026-06', status },
        { period_id: '7000000000000000004', start_month: '2026-10', end_month: '2026-12', status },
      ])
      expect(result.summary).toContain('<h4>Periods retired</h4>')
      expect(result.summary).toContain(
        `<td>7000000000000000004</td><td>2026-10</td><td>2026-12</td><td>${mode === 'hide' ? 'hidden' : 'invalid'}</td>`,
      )
    },
  )

  it('never retires a period this run opened, even one long ended', async () => {
    await start()
    const result = await run({ start_month: '2025-01', retire: 'hide', retire_after_months: '0' })

    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ start_month: '2025-01', created: 'true', retired: '[]' })
    expect(patches()).toEqual([])
    expect(emulator.periods().map(p => p.status)).toEqual([0])
  })

  it('retire_after_months counts whole months since the last month ended', async () => {
    await start({ periods: mixed })
    const result = await run({ start_month: '2027-04', retire: 'hide', retire_after_months: '6' })

    expect(JSON.parse(result.outputs['retired'])).toEqual([
      { period_id: '7000000000000000001', start_month: '2026-01', end_month: '2026-03', status: 3 },
      { period_id: '7000000000000000002', start_month: '2026-04', end_month: '2026-06', status: 3 },
    ])
  })

  it('a dry run lists what it would retire and changes nothing', async () => {
    await start({ periods: mixed })
    const result = await run({ start_month: '2027-04', retire: 'hide', retire_after_months: '0', dry_run: 'true' })

    expect(result.exitCode).toBe(0)
    expect(patches()).toEqual([])
    expect(emulator.periods().filter(p => p.status === 3)).toHaveLength(1)
    expect(emulator.periods()).toHaveLength(mixed.length)
    expect(JSON.parse(result.outputs['retired'])).toHaveLength(3)
    expect(result.stdout).toContain(
      'Dry run: would hide OKR period 7000000000000000001 (2026-01 to 2026-03); nothing was changed.',
    )
    expect(result.summary).toContain('<h4>Periods to hide (dry run)</h4>')
  })

  it('a failure part-way says which were changed and which not; a re-run finishes the job, skipping those done', async () => {
    await start({ periods: mixed })
    emulator.inject({
      method: 'PATCH',
      path: `${PATHS.periods}/*`,
      fault: 'code',
      after: 1,
      code: 1001002,
      msg: 'No permission.',
      status: 403,
    })
    const failed = await run({ start_month: '2027-04', retire: 'hide', retire_after_months: '0' })

    expect(failed.exitCode).toBe(1)
    expect(failed.outputs).toMatchObject({ created: 'true' })
    expect(JSON.parse(failed.outputs['retired'])).toEqual([
      { period_id: '7000000000000000001', start_month: '2026-01', end_month: '2026-03', status: 3 },
    ])
    expect(failed.errors).toEqual([
      expect.stringMatching(
        /^Could not hide OKR period 7000000000000000002 \(2026-04 to 2026-06\): Setting the status of OKR period 7000000000000000002 failed: Feishu answered code 1001002 .* Changed before it: 7000000000000000001\. Not changed: 7000000000000000002, 7000000000000000004\. A re-run finishes the job/,
      ),
    ])

    emulator.requests.length = 0
    const again = await run({
      start_month: '2027-04',
      retire: 'hide',
      retire_after_months: '0',
      allow_existing: 'true',
    })
    expect(again.exitCode).toBe(0)
    expect(patches().map(p => p.path)).toEqual([
      PATHS.period('7000000000000000002'),
      PATHS.period('7000000000000000004'),
    ])
    expect(Object.values(statuses()).filter(s => s === 3)).toHaveLength(4)
  })

  it('a list that fails after the periods were opened: the outputs and the summary still tell what was opened', async () => {
    await start({ periods: mixed })
    emulator.inject({
      method: 'GET',
      path: PATHS.periods,
      fault: 'code',
      code: 1001002,
      msg: 'No permission.',
      status: 403,
    })
    const result = await run({ start_month: '2027-04', retire: 'hide', retire_after_months: '0' })

    expect(result.exitCode).toBe(1)
    const [opened] = emulator.periods().filter(p => p.start_month === '2027-04')
    expect(result.outputs).toMatchObject({ period_id: opened.id, created: 'true', retired: '[]' })
    expect(result.summary).toContain(`<td>${opened.id}</td><td>2027-04</td><td>2027-06</td><td>created</td>`)
    expect(result.errors).toEqual([
      expect.stringMatching(
        /^Could not look for periods to hide, so none was changed: Listing OKR periods failed: Feishu answered code 1001002 .* A re-run finishes the job/,
      ),
    ])
    expect(patches()).toEqual([])
  })

  it('every PATCH goes through the same retries', async () => {
    await start({ periods: mixed.slice(0, 1) })
    emulator.inject({ method: 'PATCH', path: `${PATHS.periods}/*`, fault: 'status500' })
    const result = await run({ start_month: '2027-04', retire: 'hide', retire_after_months: '0' })

    expect(result.exitCode).toBe(0)
    expect(patches()).toHaveLength(2)
    expect(result.stdout).toMatch(
      /Setting the status of OKR period 7000000000000000001: attempt 1 of 4 failed \(Feishu code 1009999 \(HTTP 500\)\); retrying in/,
    )
  })
})
