/**
 * The engine of `npm run bench`: runs each path of the table in a child process, round after round, checks that
 * every run behaved as its row says, and keeps the wall times of the measured rounds. Nothing here knows any
 * one path.
 */
import { spawn } from 'node:child_process'
import { subscribe } from 'node:diagnostics_channel'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import {
  DEFAULT_APP_ID,
  DEFAULT_APP_SECRET,
  type EmulatorOptions,
  PATHS,
  type RecordedRequest,
  startEmulator,
} from '../../emulator/feishu.js'
import { inputVariable, parseOutputFile } from '../../emulator/runner.js'

export interface ChildRun {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** From spawn() to the process's exit. */
  ms: number
}

/** One run of a path, as its checks see it. */
export interface Observed extends ChildRun {
  /** What the run's emulator received, by short name (see requestName), in order. */
  requests: string[]
  /** How many TCP connections those requests came on. */
  connections: number
  /** The GITHUB_OUTPUT file, read. */
  outputs: Record<string, string>
}

/** A message when the run did not do what the path must, else undefined. */
export type Check = (run: Observed) => string | undefined

/** The scripts the paths run, built before measuring. */
export interface Entries {
  action: string
  floor: string
  requests: string
}

export interface LaunchContext {
  /** The base URL of the run's own emulator. */
  url: string
  entries: Entries
  /** Only PATH: all a bare `node` gets. */
  bareEnv: Record<string, string>
  /** What the runner gives any step: PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP. */
  stepEnv: Record<string, string>
  /** stepEnv, action.yml's defaults, the emulator's app and domain, then `inputs`, all as INPUT_* variables. */
  actionEnv(inputs: Record<string, string>): Record<string, string>
}

export interface Launch {
  /** Arguments of `node`. */
  args: string[]
  env: Record<string, string>
}

/** A row of the benchmark: what to run, on what tenant, and what every run of it must do. */
export interface BenchPath {
  /** Short and stable: targets and log lines name the path by it. */
  id: string
  title: string
  /** A fresh emulator with these options serves each run, so that every run finds the same tenant. */
  tenant?: EmulatorOptions
  launch(context: LaunchContext): Launch
  exitCode: number
  /** Every request of a run, by short name, in order. */
  requests: readonly string[]
  /** The connections those requests may come on: 1 for keep-alive, 0 when there are none. */
  connections: number
  checks?: readonly Check[]
}

/** What the measured rounds of one path gave. */
export interface Sample {
  path: BenchPath
  times: number[]
  /** The same in every run, or the benchmark would have stopped. */
  requests: string[]
  connections: number
}

export interface Plan {
  warmup: number
  rounds: number
}

const SHORT_NAMES: Record<string, string> = {
  [`POST ${PATHS.token}`]: 'token',
  [`POST ${PATHS.periods}`]: 'create',
  [`GET ${PATHS.periods}`]: 'list',
  [`GET ${PATHS.periodRules}`]: 'rules',
}

/** `token`, `create`, `list`, `rules`, `patch` (a period's status), else the method and path. */
export function requestName(request: RecordedRequest): string {
  if (request.method === 'PATCH' && request.path.startsWith(`${PATHS.periods}/`)) return 'patch'
  return SHORT_NAMES[`${request.method} ${request.path}`] ?? `${request.method} ${request.path}`
}

// Every request an emulator of this process takes is seen here with its socket, so that the connections a run
// used can be counted without touching the emulator or the child.
const sockets = new Set<unknown>()
subscribe('http.server.request.start', message => {
  sockets.add((message as { socket?: unknown }).socket)
})

export function runTimed(args: string[], env: Record<string, string | undefined>, cwd: string): Promise<ChildRun> {
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

/**
 * Runs every path of `paths` once a round, in table order, `plan.warmup` rounds first that are checked but not
 * kept. Throws at the first run that does not behave as its row says: its time would measure something else.
 */
export async function measure(
  paths: readonly BenchPath[],
  entries: Entries,
  defaults: Record<string, string | undefined>,
  plan: Plan,
): Promise<Sample[]> {
  const temp = await mkdtemp(join(os.tmpdir(), 'action-bench-'))
  try {
    const samples = paths.map(path => ({ path, times: [] as number[], requests: [] as string[], connections: 0 }))
    const total = plan.warmup + plan.rounds
    for (let round = 0; round < total; round++) {
      for (const sample of samples) {
        const run = await runPath(sample.path, join(temp, sample.path.id), entries, defaults)
        const problem = misbehaviour(sample.path, run)
        if (problem !== undefined) {
          const which = round < plan.warmup ? `warm-up round ${round + 1}` : `round ${round + 1 - plan.warmup}`
          throw new Error(`bench: ${which}, path ${sample.path.id} (${sample.path.title}): ${problem}\n${tail(run)}`)
        }
        if (round >= plan.warmup) sample.times.push(run.ms)
        sample.requests = run.requests
        sample.connections = run.connections
      }
    }
    return samples
  } finally {
    await rm(temp, { recursive: true, force: true })
  }
}

async function runPath(
  path: BenchPath,
  dir: string,
  entries: Entries,
  defaults: Record<string, string | undefined>,
): Promise<Observed> {
  // Emptied before each run, so every run appends to the same empty files and does the same work.
  const outputFile = join(dir, 'github_output')
  await mkdir(dir, { recursive: true })
  await writeFile(outputFile, '')
  await writeFile(join(dir, 'step_summary'), '')
  const emulator = await startEmulator(path.tenant)
  try {
    // Nothing else of the parent's: a stray INPUT_* or proxy variable would change what is measured.
    const bareEnv = { PATH: process.env['PATH'] ?? '' }
    const stepEnv = {
      ...bareEnv,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: join(dir, 'step_summary'),
      RUNNER_TEMP: dir,
    }
    const actionEnv = (inputs: Record<string, string>): Record<string, string> => {
      const env: Record<string, string> = { ...stepEnv }
      const given = { app_id: DEFAULT_APP_ID, app_secret: DEFAULT_APP_SECRET, domain: emulator.url, ...inputs }
      for (const [name, value] of Object.entries(defaults)) if (value !== undefined) env[inputVariable(name)] = value
      for (const [name, value] of Object.entries(given)) {
        if (!(name in defaults)) throw new Error(`bench: action.yml declares no input "${name}"`)
        env[inputVariable(name)] = value
      }
      return env
    }
    const { args, env } = path.launch({ url: emulator.url, entries, bareEnv, stepEnv, actionEnv })
    sockets.clear()
    const run = await runTimed(args, env, dir)
    return {
      ...run,
      requests: emulator.requests.map(requestName),
      connections: sockets.size,
      outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
    }
  } finally {
    await emulator.close()
  }
}

function misbehaviour(path: BenchPath, run: Observed): string | undefined {
  if (run.exitCode !== path.exitCode) return `exited ${run.exitCode ?? `on ${run.signal}`}, expected ${path.exitCode}`
  if (run.requests.join() !== path.requests.join())
    return `sent ${run.requests.length} requests (${listRequests(run.requests)}), expected ${path.requests.length} (${listRequests(path.requests)})`
  if (run.connections !== path.connections) return `used ${run.connections} connections, expected ${path.connections}`
  for (const check of path.checks ?? []) {
    const problem = check(run)
    if (problem !== undefined) return problem
  }
  return undefined
}

/** `token, create ×4, list`: runs of one name folded. */
export function listRequests(names: readonly string[]): string {
  const runs: Array<[string, number]> = []
  for (const name of names) {
    const last = runs[runs.length - 1]
    if (last?.[0] === name) last[1] += 1
    else runs.push([name, 1])
  }
  return runs.map(([name, times]) => (times > 1 ? `${name} ×${times}` : name)).join(', ') || 'none'
}

/** What a run printed, shortened for an error message. */
function tail(run: ChildRun): string {
  return `${run.stdout}${run.stderr}`.trim().split('\n').slice(-8).join('\n')
}
