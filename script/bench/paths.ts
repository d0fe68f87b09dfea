/**
 * What `npm run bench` measures, as data: the paths (a row each: how to run it, on what tenant, and what every
 * run must do) and the targets on their medians. Adding a path is adding a row.
 */
import { DEFAULT_APP_ID, DEFAULT_APP_SECRET, type PeriodSeed } from '../../emulator/feishu.js'
import { formatMonth, parseMonth } from '../../src/okr/months.js'
import type { BenchPath, Check, Launch, LaunchContext } from './measure.js'

const QUARTERLY = '6969864184272078374'
const BAD_MONTH = '2027-13'
/** Far enough ahead that no seeded period of a tenant below overlaps it. */
const NEW_MONTH = '2030-01'

/** `times` of `name`, for an expected request list. */
const repeat = (name: string, times: number): string[] => Array<string>(times).fill(name)

/** `count` quarters from `first` (YYYY-MM), oldest first. */
function quarters(first: string, count: number): string[] {
  const start = parseMonth(first)
  if (start === undefined) throw new Error(`bench: bad month ${first}`)
  return Array.from({ length: count }, (_, i) => formatMonth(start + 3 * i))
}

/**
 * A tenant of 40 quarters, 2014 to 2023, the first of each year hidden already: all ended long enough ago for
 * `retire_after_months`' default (3) on any date from April 2024.
 */
const HISTORY: PeriodSeed[] = quarters('2014-01', 40).map(month => ({
  period_rule_id: QUARTERLY,
  start_month: month,
  ...(month.endsWith('-01') ? { status: 3 as const } : {}),
}))
const TO_RETIRE = HISTORY.filter(seed => seed.status !== 3).length

/** 25 quarters from 2020 at 10 a page: the oldest is the last listed, so every page must be read. */
const PAGED: PeriodSeed[] = quarters('2020-01', 25).map(month => ({ period_rule_id: QUARTERLY, start_month: month }))
const PAGE_SIZE = 10
const PAGES = Math.ceil(PAGED.length / PAGE_SIZE)

/** The action with these inputs over the defaults, against the run's emulator, under the quarterly rule. */
function action(inputs: Record<string, string>): (context: LaunchContext) => Launch {
  return context => ({
    args: [context.entries.action],
    env: context.actionEnv({ period_rule_id: QUARTERLY, ...inputs }),
  })
}

/** The outputs named hold these values. */
function outputs(expected: Record<string, string>): Check {
  return run => {
    const wrong = Object.entries(expected).filter(([name, value]) => run.outputs[name] !== value)
    return wrong.length === 0
      ? undefined
      : `outputs ${JSON.stringify(run.outputs)}, expected ${JSON.stringify(expected)}`
  }
}

/** The `retired` output lists `count` periods. */
function retired(count: number): Check {
  return run => {
    const list: unknown = JSON.parse(run.outputs['retired'] ?? 'null')
    return Array.isArray(list) && list.length === count
      ? undefined
      : `retired ${run.outputs['retired']}, expected ${count} periods`
  }
}

/** Standard output says this. */
function says(text: string): Check {
  return run => (run.stdout.includes(text) ? undefined : `printed no ${JSON.stringify(text)}`)
}

export const PATHS: readonly BenchPath[] = [
  {
    id: 'node',
    title: 'bare `node -e 0`',
    launch: context => ({ args: ['-e', '0'], env: context.bareEnv }),
    exitCode: 0,
    requests: [],
    connections: 0,
  },
  {
    id: 'floor',
    title: 'floor: `@actions/core` + one output',
    launch: context => ({ args: [context.entries.floor], env: context.stepEnv }),
    exitCode: 0,
    requests: [],
    connections: 0,
    checks: [outputs({ ready: 'true' })],
  },
  {
    id: 'plain',
    title: 'action, plain path: token + create',
    launch: action({ start_month: NEW_MONTH }),
    exitCode: 0,
    requests: ['token', 'create'],
    connections: 1,
    checks: [outputs({ created: 'true', start_month: NEW_MONTH, created_count: '1' })],
  },
  {
    id: 'bad-input',
    title: `action, bad input (\`start_month: ${BAD_MONTH}\`)`,
    launch: action({ start_month: BAD_MONTH }),
    exitCode: 1,
    requests: [],
    connections: 0,
    checks: [says("::error::Input 'start_month'")],
  },
  {
    id: 'bare-http',
    title: 'bare Node: the same two requests with `node:http`, no toolkit',
    launch: context => ({
      args: [context.entries.requests, context.url, DEFAULT_APP_ID, DEFAULT_APP_SECRET, QUARTERLY, NEW_MONTH],
      env: context.bareEnv,
    }),
    exitCode: 0,
    requests: ['token', 'create'],
    connections: 1,
  },
  {
    id: 'count-4',
    title: `action, \`count: 4\` from \`${NEW_MONTH}\``,
    launch: action({ start_month: NEW_MONTH, count: '4' }),
    exitCode: 0,
    requests: ['token', 'rules', ...repeat('create', 4)],
    connections: 1,
    checks: [outputs({ start_month: NEW_MONTH, created_count: '4' })],
  },
  {
    id: 'retire',
    title: `action, plain create + \`retire: hide\` over ${HISTORY.length} ended quarters (${HISTORY.length - TO_RETIRE} hidden already)`,
    tenant: { periods: HISTORY },
    launch: action({ start_month: NEW_MONTH, retire: 'hide' }),
    exitCode: 0,
    requests: ['token', 'create', 'list', ...repeat('patch', TO_RETIRE)],
    connections: 1,
    checks: [outputs({ created: 'true', start_month: NEW_MONTH }), retired(TO_RETIRE)],
  },
  {
    id: 'existing',
    title: '`allow_existing`, the period exists (1 page)',
    tenant: { periods: [{ period_rule_id: QUARTERLY, start_month: NEW_MONTH }] },
    launch: action({ start_month: NEW_MONTH, allow_existing: 'true' }),
    exitCode: 0,
    requests: ['token', 'create', 'list', 'rules'],
    connections: 1,
    checks: [outputs({ created: 'false', start_month: NEW_MONTH })],
  },
  {
    id: 'existing-paged',
    title: `\`allow_existing\`, the period exists, ${PAGED.length} periods at ${PAGE_SIZE} a page (the match on the last)`,
    tenant: { maxPageSize: PAGE_SIZE, periods: PAGED },
    launch: action({ start_month: PAGED[0].start_month, allow_existing: 'true' }),
    exitCode: 0,
    requests: ['token', 'create', ...repeat('list', PAGES), 'rules'],
    connections: 1,
    checks: [outputs({ created: 'false', start_month: PAGED[0].start_month })],
  },
  {
    id: 'next',
    title: '`start_month: next` (today’s clock)',
    launch: action({ start_month: 'next' }),
    exitCode: 0,
    requests: ['token', 'rules', 'create'],
    connections: 1,
    checks: [outputs({ created: 'true' })],
  },
]

/** What a target or figure is computed from: the medians by path id, and the bundles' sizes. */
export interface Measures {
  median(id: string): number
  actionBytes: number
  floorBytes: number
}

/**
 * A number reported from the measures; with a limit, a target, met when the value is at most the limit. A missed
 * target is reported, never a failure: times are measurements, not tests.
 */
export interface Figure {
  name: string
  unit: 'ratio' | 'ms' | 'bytes'
  value(measures: Measures): number
  limit?: number
}

function over(a: string, b: string): Figure['value'] {
  return m => m.median(a) / m.median(b)
}

function minus(a: string, b: string): Figure['value'] {
  return m => m.median(a) - m.median(b)
}

export const FIGURES: readonly Figure[] = [
  { name: 'plain / floor', unit: 'ratio', value: over('plain', 'floor'), limit: 1.15 },
  {
    name: 'bad-input / floor',
    unit: 'ratio',
    value: over('bad-input', 'floor'),
    limit: 1.05,
  },
  { name: 'action bundle size', unit: 'bytes', value: m => m.actionBytes, limit: 1_100_000 },
  { name: 'plain / node', unit: 'ratio', value: over('plain', 'node') },
  {
    name: 'plain − floor: what the plain path adds to the floor',
    unit: 'ms',
    value: minus('plain', 'floor'),
  },
  {
    name: 'bare-http − node: what the same two requests cost any Node process',
    unit: 'ms',
    value: minus('bare-http', 'node'),
  },
  {
    name: "(plain − floor) − (bare-http − node): the action's own code, about",
    unit: 'ms',
    value: m => minus('plain', 'floor')(m) - minus('bare-http', 'node')(m),
  },
  {
    name: 'count-4 − plain: three more creates and the rule',
    unit: 'ms',
    value: minus('count-4', 'plain'),
  },
  {
    name: `retire − plain: the list and ${TO_RETIRE} status changes`,
    unit: 'ms',
    value: minus('retire', 'plain'),
  },
  { name: 'floor bundle size', unit: 'bytes', value: m => m.floorBytes },
]

/** Throws when the table cannot be measured as written: an id repeated, or a figure over a path not in it. */
export function checkTable(paths: readonly BenchPath[], figures: readonly Figure[]): void {
  const ids = new Set<string>()
  for (const path of paths) {
    if (ids.has(path.id)) throw new Error(`bench: two paths have the id ${path.id}`)
    ids.add(path.id)
  }
  for (const figure of figures) {
    // Computed once on stand-in measures, before any run, so that a typo costs no minutes of measuring.
    figure.value({
      median: id => {
        if (!ids.has(id)) throw new Error(`bench: "${figure.name}" reads the path ${id}, which is not in the table`)
        return 1
      },
      actionBytes: 1,
      floorBytes: 1,
    })
  }
}
