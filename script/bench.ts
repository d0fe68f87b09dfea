/**
 * `npm run bench`: what the action costs in start-up time, bundle size and requests, next to the toolkit's
 * floor. A measurement, not a test: it exits 0 when a target is missed, and non-zero only when a run does
 * not behave as it must (then its times would measure something else).
 *
 *   npm run bench -- [--warmup N] [--rounds N] [--dist] [--out FILE]
 *     --warmup N   rounds run first and discarded (BENCH_WARMUP; 5)
 *     --rounds N   rounds measured (BENCH_ROUNDS; 30)
 *     --dist       time dist/index.js as it is, instead of a fresh build of src
 *     --out FILE   where the results go (script/benchmark-results.md)
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { join, relative, resolve } from 'node:path'
import { parse } from 'yaml'
import {
  DEFAULT_APP_ID,
  DEFAULT_APP_SECRET,
  type EmulatorOptions,
  type PeriodSeed,
  startEmulator,
} from '../emulator/feishu.js'
import { REPO_ROOT, inputVariable, parseOutputFile } from '../emulator/runner.js'

const QUARTERLY = '6969864184272078374'
const MB = 1_000_000
const TARGETS = { cOverB: 1.15, dOverB: 1.05, distBytes: 1_100_000 }
const BAD_MONTH = '2027-13'

interface Options {
  warmup: number
  rounds: number
  useDist: boolean
  out: string
}

interface ChildRun {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
}

interface Sandbox {
  dir: string
  outputFile: string
  summaryFile: string
}

type PathKey = 'A' | 'B' | 'C' | 'D' | 'E'

const PATH_NAMES: Record<PathKey, string> = {
  A: 'bare `node -e 0`',
  B: 'floor: `@actions/core` + one output',
  C: 'action, plain path: token + create',
  D: 'action, bad input (no request)',
  E: 'bare Node: the same two requests with `node:http`, no toolkit',
}

const KEYS = ['A', 'B', 'C', 'D', 'E'] as const

function readOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const options: Options = {
    warmup: count('BENCH_WARMUP', env['BENCH_WARMUP'] ?? '5', 0),
    rounds: count('BENCH_ROUNDS', env['BENCH_ROUNDS'] ?? '30', 1),
    useDist: false,
    out: join(REPO_ROOT, 'script', 'benchmark-results.md'),
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2) as [string, string | undefined]
    const value = (): string => {
      const text = inline ?? argv[++i]
      if (text === undefined) throw new Error(`${flag} needs a value`)
      return text
    }
    if (flag === '--warmup') options.warmup = count(flag, value(), 0)
    else if (flag === '--rounds') options.rounds = count(flag, value(), 1)
    else if (flag === '--dist') options.useDist = true
    else if (flag === '--out') options.out = resolve(value())
    else
      throw new Error(
        `Unknown argument ${argv[i]}; usage: npm run bench -- [--warmup N] [--rounds N] [--dist] [--out FILE]`,
      )
  }
  return options
}

function count(name: string, text: string, least: number): number {
  if (!/^\d+$/.test(text) || Number(text) < least)
    throw new Error(`${name} must be a whole number of at least ${least}; got "${text}"`)
  return Number(text)
}

/**
 * Bundles `entry` with `npm run package`'s own ncc command, only the entry and output directory swapped,
 * so the floor and the action cannot drift apart in flags.
 */
async function bundle(entry: string, outDir: string, extraArgs: string[] = []): Promise<string> {
  const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>
  }
  const script = manifest.scripts?.['package'] ?? ''
  const words = script.trim().split(/\s+/)
  const out = words.findIndex(word => word === '-o' || word === '--out')
  if (
    words[0] !== 'ncc' ||
    words[1] !== 'build' ||
    words[2] === undefined ||
    words[2].startsWith('-') ||
    out < 0 ||
    words[out + 1] === undefined
  ) {
    throw new Error(`bench: cannot read the ncc command in package.json's "package" script: ${JSON.stringify(script)}`)
  }
  const args = [...words.slice(2)]
  args[0] = entry
  args[out - 1] = outDir
  await rm(outDir, { recursive: true, force: true })
  const cli = join(REPO_ROOT, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')
  const run = await runChild([cli, 'build', ...args, ...extraArgs], { ...process.env }, REPO_ROOT)
  if (run.exitCode !== 0)
    throw new Error(`bench: ncc build ${entry} failed (exit ${run.exitCode}):\n${run.stdout}${run.stderr}`)
  return join(outDir, 'index.js')
}

function runChild(args: string[], env: Record<string, string | undefined>, cwd: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    let ended: bigint | undefined
    const started = process.hrtime.bigint()
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.once('error', reject)
    // The clock stops at the process's exit; 'close' comes later, once the parent has drained the pipes.
    child.once('exit', () => {
      ended = process.hrtime.bigint()
    })
    child.once('close', (exitCode, signal) =>
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        ms: Number((ended ?? process.hrtime.bigint()) - started) / 1e6,
      }),
    )
  })
}

/** action.yml's defaults as INPUT_* variables, read once: the runner passes every default on each run. */
async function defaultInputs(): Promise<{ declared: Set<string>; env: Record<string, string> }> {
  const manifest = parse(await readFile(join(REPO_ROOT, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: unknown } | null>
  }
  const declared = new Set<string>()
  const env: Record<string, string> = {}
  for (const [name, input] of Object.entries(manifest.inputs ?? {})) {
    declared.add(name)
    const value = input?.default
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      env[inputVariable(name)] = String(value)
  }
  return { declared, env }
}

async function sandbox(root: string, name: string): Promise<Sandbox> {
  const dir = join(root, name)
  await mkdir(dir, { recursive: true })
  return { dir, outputFile: join(dir, 'github_output'), summaryFile: join(dir, 'step_summary') }
}

/** Emptied before each run, so every run appends to the same empty files and does the same work. */
async function resetSandbox(box: Sandbox): Promise<void> {
  await writeFile(box.outputFile, '')
  await writeFile(box.summaryFile, '')
}

function baseEnv(box: Sandbox): Record<string, string> {
  // Nothing else of the parent's: a stray INPUT_* or proxy variable would change what is measured.
  return {
    PATH: process.env['PATH'] ?? '',
    GITHUB_OUTPUT: box.outputFile,
    GITHUB_STEP_SUMMARY: box.summaryFile,
    RUNNER_TEMP: box.dir,
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** Nearest rank: the smallest time that at least p % of the runs did not exceed. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]
}

function formatMonth(index: number): string {
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
}

function monthIndex(text: string): number {
  const [year, month] = text.split('-').map(Number) as [number, number]
  return year * 12 + month - 1
}

const bytes = (n: number): string => n.toLocaleString('en-US')
const ms = (n: number): string => n.toFixed(1)
const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED')

/** What a run printed, shortened for an error message. */
function tail(run: ChildRun): string {
  return `${run.stdout}${run.stderr}`.trim().split('\n').slice(-8).join('\n')
}

interface CountScenario {
  name: string
  emulator?: EmulatorOptions
  inputs: Record<string, string>
  expected: number
  why: string
  exitCode: number
}

interface CountResult extends CountScenario {
  received: number
  sequence: string
}

function countScenarios(): CountScenario[] {
  const pageSize = 10
  const seeded: PeriodSeed[] = Array.from({ length: 25 }, (_, i) => ({
    period_rule_id: QUARTERLY,
    start_month: formatMonth(monthIndex('2020-01') + 3 * i),
  }))
  // The list is newest first, so the oldest period is the last one listed: every page must be read.
  const target = seeded[0].start_month
  const pages = Math.ceil(seeded.length / pageSize)
  return [
    { name: 'plain (YYYY-MM)', inputs: { start_month: '2027-01' }, expected: 2, why: 'token, create', exitCode: 0 },
    {
      name: '`allow_existing`, period exists, 1 page',
      emulator: { periods: [{ period_rule_id: QUARTERLY, start_month: '2027-01' }] },
      inputs: { start_month: '2027-01', allow_existing: 'true' },
      expected: 3,
      why: 'token, create (1001008), list',
      exitCode: 0,
    },
    {
      name: `\`allow_existing\`, period exists, ${seeded.length} periods at ${pageSize} a page`,
      emulator: { maxPageSize: pageSize, periods: seeded },
      inputs: { start_month: target, allow_existing: 'true' },
      expected: 2 + pages,
      why: `token, create (1001008), list × ${pages} (the match is on the last page)`,
      exitCode: 0,
    },
    {
      name: '`start_month: next`',
      inputs: { start_month: 'next' },
      expected: 3,
      why: 'token, period_rules, create',
      exitCode: 0,
    },
    {
      name: `bad input (\`start_month: ${BAD_MONTH}\`)`,
      inputs: { start_month: BAD_MONTH },
      expected: 0,
      why: 'fails before sending',
      exitCode: 1,
    },
  ]
}

const SHORT_PATHS: Record<string, string> = {
  'POST /open-apis/auth/v3/tenant_access_token/internal': 'token',
  'POST /open-apis/okr/v1/periods': 'create',
  'GET /open-apis/okr/v1/periods': 'list',
  'GET /open-apis/okr/v1/period_rules': 'period_rules',
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2), process.env)
  const benchDir = join(REPO_ROOT, 'build', 'bench')
  const distEntry = join(REPO_ROOT, 'dist', 'index.js')

  console.log('Building the floor and the action with the ncc command of `npm run package`…')
  const floorEntry = await bundle('script/bench-floor.ts', join(benchDir, 'floor'))
  let actionEntry = distEntry
  let freshBytes: Buffer | undefined
  let composition: Array<[string, number]> = []
  if (!options.useDist) {
    // Built beside dist/, not into it: dist/ is the committed bundle, and the timings should not depend on
    // whether someone remembered to run `npm run package`. Neither the output path nor --stats-out changes
    // a byte of index.js, so it is what `npm run package` would write.
    const actionDir = join(benchDir, 'action')
    actionEntry = await bundle('src/index.ts', actionDir, ['--stats-out', join(benchDir, 'action-stats.json')])
    freshBytes = await readFile(actionEntry)
    composition = await bundleComposition(join(benchDir, 'action-stats.json'))
  }
  if (!existsSync(distEntry)) throw new Error(`bench: ${distEntry} does not exist: run \`npm run package\` first`)
  const distBytes = await readFile(distEntry)
  const floorSize = (await readFile(floorEntry)).length
  const actionSize = (freshBytes ?? distBytes).length
  const distFresh = freshBytes === undefined ? undefined : freshBytes.equals(distBytes)

  const inputs = await defaultInputs()
  const temp = await mkdtemp(join(os.tmpdir(), 'action-bench-'))
  try {
    const actionEnv = (box: Sandbox, url: string, given: Record<string, string>): Record<string, string> => {
      const env: Record<string, string> = { ...baseEnv(box), ...inputs.env }
      const all = {
        app_id: DEFAULT_APP_ID,
        app_secret: DEFAULT_APP_SECRET,
        domain: url,
        period_rule_id: QUARTERLY,
        ...given,
      }
      for (const [name, value] of Object.entries(all)) {
        if (!inputs.declared.has(name)) throw new Error(`bench: action.yml declares no input "${name}"`)
        env[inputVariable(name)] = value
      }
      return env
    }

    // Counted first: if a path does not work, the timings would be of a failure.
    console.log('Counting the requests of each path on a fresh emulator…')
    const counts: CountResult[] = []
    for (const scenario of countScenarios()) {
      const emulator = await startEmulator(scenario.emulator)
      try {
        const box = await sandbox(temp, 'count')
        await resetSandbox(box)
        const run = await runChild([actionEntry], actionEnv(box, emulator.url, scenario.inputs), box.dir)
        if (run.exitCode !== scenario.exitCode) {
          throw new Error(
            `bench: ${scenario.name} exited ${run.exitCode}, expected ${scenario.exitCode}:\n${tail(run)}`,
          )
        }
        const names = emulator.requests.map(
          request => SHORT_PATHS[`${request.method} ${request.path}`] ?? `${request.method} ${request.path}`,
        )
        counts.push({ ...scenario, received: names.length, sequence: names.join(', ') || '—' })
      } finally {
        await emulator.close()
      }
    }

    const boxes = {
      A: await sandbox(temp, 'A'),
      B: await sandbox(temp, 'B'),
      C: await sandbox(temp, 'C'),
      D: await sandbox(temp, 'D'),
      E: await sandbox(temp, 'E'),
    }
    const requestsScript = join(REPO_ROOT, 'build', 'script', 'bench-requests.js')
    const emulator = await startEmulator()
    const times: Record<PathKey, number[]> = { A: [], B: [], C: [], D: [], E: [] }
    try {
      // Each C run creates the quarter after the previous one, so every run takes the plain path.
      let nextMonth = monthIndex('2030-01')
      const total = options.warmup + options.rounds
      console.log(`Timing ${options.warmup} warm-up + ${options.rounds} measured rounds of ${KEYS.join(' ')}…`)
      for (let round = 0; round < total; round++) {
        const measured = round >= options.warmup
        for (const key of KEYS) {
          const box = boxes[key]
          await resetSandbox(box)
          const before = emulator.requests.length
          let run: ChildRun
          let problem: string | undefined
          if (key === 'A') {
            run = await runChild(['-e', '0'], { PATH: process.env['PATH'] ?? '' }, box.dir)
            if (run.exitCode !== 0) problem = `exited ${run.exitCode}`
          } else if (key === 'B') {
            run = await runChild([floorEntry], baseEnv(box), box.dir)
            const outputs = parseOutputFile(await readFile(box.outputFile, 'utf8'))
            if (run.exitCode !== 0 || outputs['ready'] !== 'true')
              problem = `exited ${run.exitCode} with outputs ${JSON.stringify(outputs)}`
          } else if (key === 'C') {
            const month = formatMonth(nextMonth)
            nextMonth += 3
            run = await runChild([actionEntry], actionEnv(box, emulator.url, { start_month: month }), box.dir)
            const outputs = parseOutputFile(await readFile(box.outputFile, 'utf8'))
            const sent = emulator.requests.length - before
            if (run.exitCode !== 0 || outputs['created'] !== 'true' || outputs['start_month'] !== month || sent !== 2) {
              problem = `exited ${run.exitCode}, sent ${sent} requests, outputs ${JSON.stringify(outputs)}`
            }
          } else if (key === 'E') {
            const month = formatMonth(nextMonth)
            nextMonth += 3
            run = await runChild(
              [requestsScript, emulator.url, DEFAULT_APP_ID, DEFAULT_APP_SECRET, QUARTERLY, month],
              { PATH: process.env['PATH'] ?? '' },
              box.dir,
            )
            const sent = emulator.requests.length - before
            if (run.exitCode !== 0 || sent !== 2) problem = `exited ${run.exitCode}, sent ${sent} requests`
          } else {
            run = await runChild([actionEntry], actionEnv(box, emulator.url, { start_month: BAD_MONTH }), box.dir)
            const sent = emulator.requests.length - before
            if (run.exitCode !== 1 || sent !== 0 || !run.stdout.includes("::error::Input 'start_month'")) {
              problem = `exited ${run.exitCode}, sent ${sent} requests`
            }
          }
          if (problem)
            throw new Error(`bench: round ${round + 1}, ${key} (${PATH_NAMES[key]}) ${problem}:\n${tail(run)}`)
          if (measured) times[key].push(run.ms)
        }
      }
    } finally {
      await emulator.close()
    }

    const report = render({
      options,
      times,
      counts,
      actionSize,
      floorSize,
      distSize: distBytes.length,
      distFresh,
      composition,
    })
    console.log(`\n${report}`)
    // The table says it too, but a line of its own is what a reader scanning the log will see.
    const missed = report.split('\n').filter(line => line.includes('| MISSED |'))
    for (const line of missed)
      console.log(
        `MISSED: ${line
          .replace(/^\|\s*|\s*\|$/g, '')
          .split(/\s*\|\s*/)
          .slice(0, -1)
          .join(' | ')}`,
      )
    if (missed.length === 0) console.log('All targets met.')
    await mkdir(join(options.out, '..'), { recursive: true })
    await writeFile(options.out, report)
    console.log(`Written to ${relative(process.cwd(), options.out) || options.out}`)
  } finally {
    await rm(temp, { recursive: true, force: true })
  }
}

/** Bytes of module source in the bundle, by package; webpack's figures, before ncc's wrapping. */
async function bundleComposition(statsFile: string): Promise<Array<[string, number]>> {
  interface StatsModule {
    name?: string
    size?: number
    modules?: StatsModule[]
  }
  const stats = JSON.parse(await readFile(statsFile, 'utf8')) as { modules?: StatsModule[] }
  // A concatenated module lists its parts, which webpack also lists on their own: count each name once.
  const seen = new Map<string, number>()
  const visit = (module: StatsModule): void => {
    if (module.modules) module.modules.forEach(visit)
    else if (module.name && !seen.has(module.name)) seen.set(module.name, module.size ?? 0)
  }
  stats.modules?.forEach(visit)
  const byPackage = new Map<string, number>()
  for (const [name, size] of seen) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(name)?.[1]
    const group =
      pkg ??
      (name.startsWith('./src/')
        ? 'src/ (the action)'
        : name.startsWith('external ')
          ? 'externals (node built-ins)'
          : 'webpack runtime')
    byPackage.set(group, (byPackage.get(group) ?? 0) + size)
  }
  return [...byPackage].sort((a, b) => b[1] - a[1])
}

interface ReportData {
  options: Options
  times: Record<PathKey, number[]>
  counts: CountResult[]
  actionSize: number
  floorSize: number
  distSize: number
  distFresh: boolean | undefined
  composition: Array<[string, number]>
}

function render(data: ReportData): string {
  const { options, times, counts } = data
  const med = (key: PathKey): number => median(times[key])
  const cpus = os.cpus()
  const memory = `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`
  const lines: string[] = []
  const bundleName = options.useDist
    ? '`dist/index.js`'
    : '`dist/index.js` as `npm run package` builds it from the current `src/`'

  lines.push('# Benchmark results', '')
  lines.push(`Written by \`npm run bench\` (\`__tests__/support/bench.ts\`) on ${new Date().toISOString()}.`, '')
  const args = process.argv.slice(2)
  lines.push(`- Command: \`npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}\``)
  lines.push(
    `- Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${memory} memory, ${process.platform} ${process.arch}, Node ${process.version}`,
  )
  lines.push(
    `- Rounds: ${options.warmup} warm-up (discarded) + ${options.rounds} measured; each round runs ${KEYS.join(', ')} in that order, one at a time`,
  )
  const freshness = {
    true: ', byte for byte the committed `dist/index.js`',
    false: ' (**the committed `dist/index.js` differs: run `npm run package`**)',
    undefined: '',
  }
  lines.push(`- Timed bundle: ${bundleName}${freshness[String(data.distFresh) as 'true' | 'false' | 'undefined']}`)
  lines.push(
    "- Each path is a child process of `node` with only `PATH`, the `INPUT_*` variables (action.yml's defaults and the inputs below), `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY` and `RUNNER_TEMP`; C talks to the Feishu emulator, run in the benchmark's own process on loopback",
    '',
  )

  lines.push('## Start-up time', '')
  lines.push(
    "Wall time from `spawn()` to the child's exit, in ms. Median: the middle run (the mean of the two middle ones for an even count); p90: nearest rank.",
    '',
  )
  lines.push('| | Path | median ms | p90 ms | min ms |', '|---|---|---:|---:|---:|')
  for (const key of KEYS) {
    lines.push(
      `| ${key} | ${PATH_NAMES[key]} | ${ms(med(key))} | ${ms(percentile(times[key], 90))} | ${ms(Math.min(...times[key]))} |`,
    )
  }
  lines.push('')

  const cOverB = med('C') / med('B')
  const dOverB = med('D') / med('B')
  lines.push('## Ratios of the medians', '')
  lines.push('| Ratio | Value | Target | |', '|---|---:|---:|---|')
  lines.push(
    `| C/B: the plain path over the floor | ${cOverB.toFixed(3)} | ≤ ${TARGETS.cOverB} | ${verdict(cOverB <= TARGETS.cOverB)} |`,
  )
  lines.push(
    `| D/B: a bad input over the floor | ${dOverB.toFixed(3)} | ≤ ${TARGETS.dOverB} | ${verdict(dOverB <= TARGETS.dOverB)} |`,
  )
  lines.push(`| C/A: the plain path over bare Node | ${(med('C') / med('A')).toFixed(3)} | — | |`)
  lines.push(
    `| (B + E − A)/B: the floor plus what the two requests cost bare Node, over the floor | ${((med('B') + med('E') - med('A')) / med('B')).toFixed(3)} | — | |`,
  )
  lines.push('')
  lines.push(
    `C − B = ${ms(med('C') - med('B'))} ms is what the plain path adds to the floor; E − A = ${ms(med('E') - med('A'))} ms of it is what the same two requests cost any Node process, ` +
      `so the action's own code adds about ${ms(med('C') - med('B') - (med('E') - med('A')))} ms.`,
    '',
  )

  lines.push('## Bundle size', '')
  lines.push(
    `Bytes of the file; 1 MB = 1,000,000 bytes, so the target 1.1 MB is ${bytes(TARGETS.distBytes)} bytes.`,
    '',
  )
  lines.push('| Bundle | Bytes | MB | Target | |', '|---|---:|---:|---:|---|')
  lines.push(
    `| ${bundleName} | ${bytes(data.actionSize)} | ${(data.actionSize / MB).toFixed(3)} | ≤ ${bytes(TARGETS.distBytes)} | ${verdict(data.actionSize <= TARGETS.distBytes)} |`,
  )
  if (data.distFresh === false)
    lines.push(
      `| \`dist/index.js\` as committed (stale) | ${bytes(data.distSize)} | ${(data.distSize / MB).toFixed(3)} | | |`,
    )
  lines.push(
    `| floor (\`@actions/core\` + one output) | ${bytes(data.floorSize)} | ${(data.floorSize / MB).toFixed(3)} | — | |`,
  )
  lines.push('')

  if (data.composition.length > 0) {
    const total = data.composition.reduce((sum, [, size]) => sum + size, 0)
    lines.push('### What the action bundle holds', '')
    lines.push(
      "Bytes of module source by package, from ncc's webpack stats (before ncc's wrapping, so they add up to a little less than the file).",
      '',
    )
    lines.push('| Package | Bytes | Share |', '|---|---:|---:|')
    for (const [name, size] of data.composition)
      lines.push(`| ${name} | ${bytes(size)} | ${((100 * size) / total).toFixed(1)} % |`)
    lines.push('')
  }

  lines.push('## Requests to Feishu per path', '')
  lines.push('Each on a fresh emulator, quarterly rule `6969864184272078374`.', '')
  lines.push('| Path | Expected | Received | | Requests |', '|---|---:|---:|---|---|')
  for (const result of counts) {
    lines.push(
      `| ${result.name} | ${result.expected} (${result.why}) | ${result.received} | ${verdict(result.received === result.expected)} | ${result.sequence} |`,
    )
  }
  lines.push('')
  return lines.join('\n')
}

try {
  await main()
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
}
