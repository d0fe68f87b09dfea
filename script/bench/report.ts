/** The results of `npm run bench` as Markdown: where they were measured, a row per path, targets and figures. */
import os from 'node:os'
import { type Sample, listRequests } from './measure.js'
import type { Figure, Measures } from './paths.js'

export interface Results {
  /** The arguments given after `npm run bench --`. */
  args: readonly string[]
  warmup: number
  rounds: number
  /** What was timed as the action, in words. */
  bundleName: string
  /** Whether a fresh build equals the committed dist/index.js; undefined when dist/ itself was timed. */
  distFresh: boolean | undefined
  distBytes: number
  samples: readonly Sample[]
  figures: readonly Figure[]
  measures: Measures
  composition: ReadonlyArray<[string, number]>
  /** Said under the heading, e.g. why the rounds are fewer than usual. */
  note?: string
  /** The one-minute load average as the measuring began and as it ended: other work on the machine shows here. */
  load: [number, number]
}

/** A figure as it came out: its value, and for a target, whether it was met and by how much. */
export interface Outcome {
  figure: Figure
  value: number
  met: boolean | undefined
  /** limit − value: above 0 when met. */
  margin: number | undefined
}

export function outcomes(figures: readonly Figure[], measures: Measures): Outcome[] {
  return figures.map(figure => {
    const value = figure.value(measures)
    const { limit } = figure
    return {
      figure,
      value,
      met: limit === undefined ? undefined : value <= limit,
      margin: limit === undefined ? undefined : limit - value,
    }
  })
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** Nearest rank: the smallest time that at least p % of the runs did not exceed. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]
}

const bytes = (n: number): string => Math.round(n).toLocaleString('en-US')

/** `n` to `digits` places, with a true minus sign, and a plus sign too when `plus`. */
function decimal(n: number, digits: number, plus = false): string {
  return `${n < 0 ? '−' : plus ? '+' : ''}${Math.abs(n).toFixed(digits)}`
}
const ms = (n: number): string => decimal(n, 1)

export function formatValue(value: number, unit: Figure['unit']): string {
  if (unit === 'bytes') return `${bytes(value)} bytes`
  if (unit === 'ms') return `${ms(value)} ms`
  return decimal(value, 3)
}

/** `met by 0.032 (2.8 %)` or `MISSED by 2,018 bytes (0.2 %)`; empty for a figure with no target. */
export function verdict(outcome: Outcome): string {
  const { met, margin, figure } = outcome
  if (met === undefined || margin === undefined || figure.limit === undefined) return ''
  const share = `${((100 * Math.abs(margin)) / figure.limit).toFixed(1)} %`
  return `${met ? 'met' : 'MISSED'} by ${formatValue(Math.abs(margin), figure.unit)} (${share})`
}

export function render(results: Results, date: Date): string {
  const { samples } = results
  const cpus = os.cpus()
  const memory = `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`
  const plain = samples.find(sample => sample.path.id === 'plain')
  const lines: string[] = []

  lines.push('# Benchmark results', '')
  lines.push(`Written by \`npm run bench\` (\`script/bench.ts\`) on ${date.toISOString()}.`, '')
  if (results.note) lines.push(results.note, '')
  const args = results.args.map(shellWord).join(' ')
  lines.push(`- Command: \`npm run bench${args ? ` -- ${args}` : ''}\``)
  lines.push(
    `- Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${memory} memory, ${process.platform} ${process.arch}`,
  )
  lines.push(`- Node: ${process.version}`)
  lines.push(
    `- Load average (1 min), as the measuring began and ended: ${results.load.map(n => n.toFixed(2)).join(' and ')}, on ${cpus.length} cores`,
  )
  lines.push(
    `- Rounds: ${results.warmup} warm-up (checked, then discarded) + ${results.rounds} measured; each round runs every path once, in the order of the table, one at a time`,
  )
  const freshness =
    results.distFresh === undefined
      ? ''
      : results.distFresh
        ? ', byte for byte the committed `dist/index.js`'
        : ' (**the committed `dist/index.js` differs: run `npm run package`**)'
  lines.push(`- Timed bundle: ${results.bundleName}${freshness}`)
  lines.push(
    "- Each run is a child process of `node` with only `PATH` and what its path gives it: for the action, the `INPUT_*` variables (action.yml's defaults, the inputs of the path), `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY` and `RUNNER_TEMP`. Each run has a fresh Feishu emulator of its own, in the benchmark's process on loopback, seeded with the path's tenant, so that every run does the same work",
    '- Every run, warm-ups included, is checked: its exit code, the exact list of requests the emulator received, the connections they came on, and what the path says of its outputs. A run that differs stops the benchmark with a non-zero exit',
    '',
  )

  lines.push('## Paths', '')
  lines.push(
    "Wall time from `spawn()` to the child's exit, in ms. Median: the middle run (the mean of the two middle ones for an even count); p90: nearest rank; − plain: the median less the plain path's.",
    '',
  )
  lines.push(
    '| Path | median ms | p90 ms | min ms | − plain ms | requests | connections |',
    '|---|---:|---:|---:|---:|---:|---:|',
  )
  for (const sample of samples) {
    const mid = median(sample.times)
    const relative = plain === undefined || sample === plain ? '—' : decimal(mid - median(plain.times), 1, true)
    lines.push(
      `| \`${sample.path.id}\` | ${ms(mid)} | ${ms(percentile(sample.times, 90))} | ${ms(Math.min(...sample.times))} | ${relative} | ${sample.requests.length} | ${sample.connections} |`,
    )
  }
  lines.push('')

  lines.push('### What each path runs, and the requests every run of it made', '')
  lines.push('| Path | What | Exit | Requests, in order |', '|---|---|---:|---|')
  for (const sample of samples)
    lines.push(
      `| \`${sample.path.id}\` | ${sample.path.title} | ${sample.path.exitCode} | ${listRequests(sample.requests)} |`,
    )
  lines.push('')

  const figures = outcomes(results.figures, results.measures)
  lines.push('## Targets and figures', '')
  lines.push(
    'From the medians above and the bundles. A target is met when the value is at most the target; a missed one is reported here, not failed on: times are measurements.',
    '',
  )
  lines.push('| | Value | Target | |', '|---|---:|---:|---|')
  for (const outcome of figures) {
    const { figure } = outcome
    const target = figure.limit === undefined ? '—' : `≤ ${formatValue(figure.limit, figure.unit)}`
    lines.push(`| ${figure.name} | ${formatValue(outcome.value, figure.unit)} | ${target} | ${verdict(outcome)} |`)
  }
  if (results.distFresh === false)
    lines.push(`| \`dist/index.js\` as committed (stale) | ${bytes(results.distBytes)} bytes | — | |`)
  lines.push('')

  if (results.composition.length > 0) {
    const total = results.composition.reduce((sum, [, size]) => sum + size, 0)
    lines.push('## What the action bundle holds', '')
    lines.push(
      "Bytes of module source by package, from ncc's webpack stats (before ncc's wrapping, so they add up to a little less than the file).",
      '',
    )
    lines.push('| Package | Bytes | Share |', '|---|---:|---:|')
    for (const [name, size] of results.composition)
      lines.push(`| ${name} | ${bytes(size)} | ${((100 * size) / total).toFixed(1)} % |`)
    lines.push('')
  }
  return lines.join('\n')
}

/** `arg` as a shell would need it written. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}
