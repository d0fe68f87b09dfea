/**
 * `npm run bench`: what the action costs in start-up time, bundle size and requests, next to the toolkit's
 * floor. The paths and targets are rows of script/bench/paths.ts; this file builds what they run, measures them
 * and writes the results. A measurement, not a test: it exits 0 when a target is missed, and non-zero only when
 * a run does not behave as its row says (a wrong exit code, a request more or less), since its time would then
 * measure something else.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { REPO_ROOT, readInputDefaults } from '../emulator/runner.js'
import { bundle, bundleComposition } from './bench/build.js'
import { measure } from './bench/measure.js'
import { FIGURES, type Measures, PATHS, checkTable } from './bench/paths.js'
import { median, outcomes, render, verdict } from './bench/report.js'

const USAGE = `Usage: npm run bench -- [--warmup N] [--rounds N] [--dist] [--out FILE] [--note TEXT]
  --warmup N   rounds run first, checked and discarded (BENCH_WARMUP; 5)
  --rounds N   rounds measured (BENCH_ROUNDS; 30)
  --dist       time dist/index.js as it is, instead of a fresh build of src/
  --out FILE   where the results go (script/benchmark-results.md)
  --note TEXT  a line for the results, e.g. why the rounds are fewer than usual
  --help       this text`

interface Options {
  warmup: number
  rounds: number
  useDist: boolean
  out: string
  note: string | undefined
  help: boolean
}

function readOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const options: Options = {
    warmup: wholeNumber('BENCH_WARMUP', env['BENCH_WARMUP'] ?? '5', 0),
    rounds: wholeNumber('BENCH_ROUNDS', env['BENCH_ROUNDS'] ?? '30', 1),
    useDist: false,
    out: join(REPO_ROOT, 'script', 'benchmark-results.md'),
    note: undefined,
    help: false,
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2) as [string, string | undefined]
    const value = (): string => {
      const text = inline ?? argv[++i]
      if (text === undefined) throw new Error(`${flag} needs a value\n${USAGE}`)
      return text
    }
    if (flag === '--warmup') options.warmup = wholeNumber(flag, value(), 0)
    else if (flag === '--rounds') options.rounds = wholeNumber(flag, value(), 1)
    else if (flag === '--dist') options.useDist = true
    else if (flag === '--out') options.out = resolve(value())
    else if (flag === '--note') options.note = value()
    else if (flag === '--help' || flag === '-h') options.help = true
    else throw new Error(`Unknown argument ${argv[i]}\n${USAGE}`)
  }
  return options
}

function wholeNumber(name: string, text: string, least: number): number {
  if (!/^\d+$/.test(text) || Number(text) < least)
    throw new Error(`${name} must be a whole number of at least ${least}; got "${text}"`)
  return Number(text)
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const options = readOptions(args, process.env)
  if (options.help) {
    console.log(USAGE)
    return
  }
  checkTable(PATHS, FIGURES)
  const benchDir = join(REPO_ROOT, 'build', 'bench')
  const distEntry = join(REPO_ROOT, 'dist', 'index.js')
  if (!existsSync(distEntry)) throw new Error(`bench: ${distEntry} does not exist: run \`npm run package\` first`)

  console.log('Building the floor and the action with the ncc command of `npm run package`…')
  const floor = await bundle('script/bench-floor.ts', join(benchDir, 'floor'))
  let action = distEntry
  let fresh: Buffer | undefined
  let composition: Array<[string, number]> = []
  if (!options.useDist) {
    // Built beside dist/, not into it: dist/ is the committed bundle, and the timings should not depend on
    // whether someone remembered to run `npm run package`. Neither the output path nor --stats-out changes
    // a byte of index.js, so it is what `npm run package` would write.
    const stats = join(benchDir, 'action-stats.json')
    action = await bundle('src/index.ts', join(benchDir, 'action'), ['--stats-out', stats])
    fresh = await readFile(action)
    composition = await bundleComposition(stats)
  }
  const dist = await readFile(distEntry)
  const entries = { action, floor, requests: join(REPO_ROOT, 'build', 'script', 'bench-requests.js') }

  const ids = PATHS.map(path => path.id).join(', ')
  console.log(`Timing ${options.warmup} warm-up + ${options.rounds} measured rounds of ${ids}…`)
  const loadBefore = os.loadavg()[0]
  const samples = await measure(PATHS, entries, await readInputDefaults(), options)
  const load: [number, number] = [loadBefore, os.loadavg()[0]]

  const medians = new Map(samples.map(sample => [sample.path.id, median(sample.times)]))
  const measures: Measures = {
    median: id => medians.get(id) ?? Number.NaN,
    actionBytes: (fresh ?? dist).length,
    floorBytes: (await readFile(floor)).length,
  }
  const report = render(
    {
      args,
      warmup: options.warmup,
      rounds: options.rounds,
      bundleName: options.useDist
        ? '`dist/index.js`'
        : '`dist/index.js` as `npm run package` builds it from the current `src/`',
      distFresh: fresh === undefined ? undefined : fresh.equals(dist),
      distBytes: dist.length,
      samples,
      figures: FIGURES,
      measures,
      composition,
      note: options.note,
      load,
    },
    new Date(),
  )
  console.log(`\n${report}`)
  // The table says it too, but a line of its own is what a reader scanning the log will see.
  const targets = outcomes(FIGURES, measures).filter(outcome => outcome.met !== undefined)
  for (const outcome of targets) console.log(`${outcome.figure.name}: ${verdict(outcome)}`)
  await mkdir(dirname(options.out), { recursive: true })
  await writeFile(options.out, report)
  console.log(`Written to ${relative(process.cwd(), options.out) || options.out}`)
}

try {
  await main()
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
}
