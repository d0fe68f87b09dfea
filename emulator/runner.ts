/**
 * Runs the bundled action (dist/index.js) in a child process the way the GitHub runner does: inputs as
 * INPUT_* variables with action.yml's defaults, outputs and step summary through files, annotations as
 * workflow commands on stdout.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export interface RunOptions {
  /** By action.yml input name, e.g. `app_id`; applied over action.yml's defaults. */
  inputs?: Record<string, string>
  /** Applied last, over everything the harness sets. */
  env?: Record<string, string>
  /** Working directory of the action; a fresh temp directory by default. */
  cwd?: string
  /** Today for the action, as an ISO date-time: its clock is set to that instant and stands still. */
  now?: string
  /** Kills the action when aborted (the run then rejects), so a test's own timeout leaves no process behind. */
  signal?: AbortSignal
}

export interface ActionRun {
  /** null when the process was ended by a signal. */
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  errors: string[]
  warnings: string[]
  /** The action's peak resident memory, in KiB (`process.resourceUsage().maxRSS` as it exits). */
  maxRssKib: number | undefined
}

/** The repository: the nearest folder above this file that holds action.yml, whether run from source or from build/. */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)))

function findRoot(dir: string): string {
  if (existsSync(join(dir, 'action.yml'))) return dir
  const parent = dirname(dir)
  if (parent === dir) throw new Error('runAction: no action.yml above the harness')
  return findRoot(parent)
}

export async function runAction(opts: RunOptions = {}): Promise<ActionRun> {
  const entry = join(REPO_ROOT, 'dist', 'index.js')
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: run \`npm run package\` first`)
  const declared = await readInputDefaults()

  const inputEnv: Record<string, string> = {}
  for (const [name, value] of Object.entries(declared)) {
    if (value !== undefined) inputEnv[inputVariable(name)] = value
  }
  for (const [name, value] of Object.entries(opts.inputs ?? {})) {
    // The runner only warns about undeclared inputs; failing here catches typos in tests instead.
    if (!(name in declared))
      throw new Error(`action.yml declares no input "${name}" (declared: ${Object.keys(declared).join(', ')})`)
    inputEnv[inputVariable(name)] = value
  }

  const temp = await mkdtemp(join(tmpdir(), 'action-run-'))
  try {
    const outputFile = join(temp, 'github_output')
    const summaryFile = join(temp, 'step_summary')
    await writeFile(outputFile, '')
    await writeFile(summaryFile, '')
    const env: Record<string, string> = {
      // Nothing else of the parent's: a stray INPUT_* or GITHUB_* there must not reach the action.
      PATH: process.env['PATH'] ?? '',
      ...inputEnv,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: temp,
      ...opts.env,
    }
    const memoryFile = join(temp, 'max_rss')
    const clock = opts.now === undefined ? [] : ['--import', fixedClock(opts.now)]
    const args = ['--import', memoryProbe(memoryFile), ...clock, entry]
    const child = await runChild(args, env, opts.cwd ?? temp, opts.signal)
    const maxRss = await readFile(memoryFile, 'utf8').catch(() => '')
    const stdoutLines = child.stdout.split('\n').map(line => line.replace(/\r$/, ''))
    return {
      ...child,
      outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
      summary: await readFile(summaryFile, 'utf8'),
      errors: commandMessages(stdoutLines, 'error'),
      warnings: commandMessages(stdoutLines, 'warning'),
      maxRssKib: /^\d+$/.test(maxRss) ? Number(maxRss) : undefined,
    }
  } finally {
    await rm(temp, { recursive: true, force: true })
  }
}

/** The runner's name for an input's variable; `-` stays as it is. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** Every declared input, with its default as the runner would pass it (undefined when it has none). */
export async function readInputDefaults(): Promise<Record<string, string | undefined>> {
  const manifest: unknown = parse(await readFile(join(REPO_ROOT, 'action.yml'), 'utf8'))
  const inputs = isRecord(manifest) && isRecord(manifest['inputs']) ? manifest['inputs'] : {}
  const defaults: Record<string, string | undefined> = {}
  for (const [name, input] of Object.entries(inputs)) {
    const value = isRecord(input) ? input['default'] : undefined
    // YAML may type a default (`default: 3`, `default: true`); the runner hands every value over as text.
    defaults[name] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined
  }
  return defaults
}

/**
 * A module, preloaded with --import, that sets the action's clock. The action reads the date only through
 * `new Date()`, so production code needs no hook for tests.
 */
function fixedClock(now: string): string {
  const instant = Date.parse(now)
  if (Number.isNaN(instant)) throw new Error(`runAction: now must be an ISO date-time, got ${now}`)
  const source = `const RealDate = Date
globalThis.Date = class extends RealDate {
  constructor(...args) { super(...(args.length === 0 ? [${instant}] : args)) }
  static now() { return ${instant} }
}`
  return `data:text/javascript,${encodeURIComponent(source)}`
}

/** A module, preloaded with --import, that writes the action's peak memory to `file` as it exits. */
function memoryProbe(file: string): string {
  const source = `import { writeFileSync } from 'node:fs'
process.on('exit', () => writeFileSync(${JSON.stringify(file)}, String(process.resourceUsage().maxRSS)))`
  return `data:text/javascript,${encodeURIComponent(source)}`
}

function runChild(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  signal: AbortSignal | undefined,
): Promise<Pick<ActionRun, 'exitCode' | 'signal' | 'stdout' | 'stderr'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal } : {}),
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.once('error', reject)
    // 'close', not 'exit': only then has all of stdout and stderr been read.
    child.once('close', (exitCode, exitSignal) =>
      resolve({
        exitCode,
        signal: exitSignal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    )
  })
}

/** Reads both forms of the GITHUB_OUTPUT file: `name<<DELIMITER` … `DELIMITER`, and `name=value`. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '')
    if (line === '') continue
    const heredoc = line.indexOf('<<')
    const equals = line.indexOf('=')
    if (heredoc > 0 && (equals < 0 || heredoc < equals)) {
      const name = line.slice(0, heredoc)
      const delimiter = line.slice(heredoc + 2)
      const value: string[] = []
      for (i++; i < lines.length && lines[i].replace(/\r$/, '') !== delimiter; i++) value.push(lines[i])
      if (i >= lines.length) throw new Error(`GITHUB_OUTPUT: no closing delimiter for output "${name}"`)
      outputs[name] = value.join('\n')
    } else if (equals > 0) {
      outputs[line.slice(0, equals)] = line.slice(equals + 1)
    } else {
      throw new Error(`GITHUB_OUTPUT: cannot read line ${JSON.stringify(line)}`)
    }
  }
  return outputs
}

/** Messages of `::error::msg` / `::error file=x,line=1::msg` lines, unescaped as the runner does. */
export function commandMessages(lines: string[], command: string): string[] {
  const pattern = new RegExp(`^::${command}(?: [^:]*)?::(.*)$`)
  const messages: string[] = []
  for (const line of lines) {
    const match = pattern.exec(line)
    // One pass, so that an escaped "%250A" (a literal "%0A") does not become a line break.
    if (match)
      messages.push(
        match[1].replace(/%(25|0D|0A)/g, (_, code: string) => ({ '25': '%', '0D': '\r', '0A': '\n' })[code]!),
      )
  }
  return messages
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
