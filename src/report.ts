import * as core from '@actions/core'
import type { Settings } from './inputs.js'
import type { Announcement } from './notify/announce.js'
import { STATUS_NAMES } from './okr/api.js'
import { formatMonth, formatOptionalMonth } from './okr/months.js'
import type { Opening, PeriodOutcome } from './okr/open.js'
import type { Retiring } from './okr/retire.js'

/** What the step did, for its outputs and job summary. */
export interface Report {
  settings: Settings
  opening: Opening
  retiring?: Retiring
  announcement?: Announcement
  /** The message of the failure that ends the step, if any. */
  failure?: string
}

/**
 * The four first outputs describe the first period, as they always have. Every id in them was checked to be a
 * string of digits where it was read, and months are formatted here, so no output carries server text.
 */
export function setOutputs({ opening, retiring }: Report): void {
  const periods = opening.periods.map(period => ({
    period_id: period.id,
    start_month: formatMonth(period.startMonth),
    end_month: period.endMonth === undefined ? '' : formatMonth(period.endMonth),
    created: period.result === 'created',
  }))
  const [first] = periods
  if (first) {
    core.setOutput('period_id', first.period_id)
    core.setOutput('start_month', first.start_month)
    core.setOutput('end_month', first.end_month)
    core.setOutput('created', String(first.created))
  }
  core.setOutput('periods', JSON.stringify(periods))
  core.setOutput('created_count', String(periods.filter(period => period.created).length))
  const retired = (retiring?.periods ?? []).map(period => ({
    period_id: period.id,
    start_month: formatMonth(period.startMonth),
    end_month: formatMonth(period.endMonth),
    status: period.status,
  }))
  core.setOutput('retired', JSON.stringify(retired))
}

export function setNotified(announcement: Announcement | undefined): void {
  core.setOutput('notified', String((announcement?.delivered.length ?? 0) > 0))
}

/** The job summary: a row per period, the periods retired, where the announcement went, and any failure. */
export async function writeSummary(report: Report): Promise<void> {
  // Outside a runner (a local run) there is no summary file, and the periods are no less open for it.
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const { settings, opening, retiring, announcement, failure } = report
  const dryRun = settings.open.dryRun
  const host = new URL(settings.client.baseUrl).host
  const title = `OKR period${settings.open.count > 1 ? 's' : ''}${dryRun ? ' (dry run)' : ''}`
  const summary = core.summary.addHeading(escape(title), 3)
  const rows = opening.periods.map(period => [
    period.id || (dryRun ? '(none: dry run)' : '(unknown)'),
    formatMonth(period.startMonth),
    formatOptionalMonth(period.endMonth),
    RESULTS[period.result](dryRun),
    host,
  ])
  summary.addRaw(table(['Period id', 'Start month', 'End month', 'Result', 'Domain'], rows), true)

  if (retiring && settings.retire) {
    const newStatus = STATUS_NAMES[settings.retire.mode === 'hide' ? 3 : 2]
    summary.addHeading(
      dryRun ? `Periods to ${settings.retire.mode === 'hide' ? 'hide' : 'mark invalid'} (dry run)` : 'Periods retired',
      4,
    )
    summary.addRaw(
      retiring.periods.length
        ? table(
            ['Period id', 'Start month', 'End month', 'New status'],
            retiring.periods.map(p => [p.id, formatMonth(p.startMonth), formatMonth(p.endMonth), newStatus]),
          )
        : `<p>None: no period ended ${settings.retire.afterMonths} months or more before this month and is still normal.</p>`,
      true,
    )
  }
  if (announcement) summary.addRaw(`<p>${escape(announced(announcement))}</p>`, true)
  if (failure) summary.addRaw(`<p><strong>Failed:</strong> ${escape(failure)}</p>`, true)
  await summary.write()
}

/** The summary of a step that failed before it had anything to report. */
export async function writeFailureSummary(failure: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await core.summary
    .addHeading('OKR period', 3)
    .addRaw(`<p><strong>Failed:</strong> ${escape(failure)}</p>`, true)
    .write()
}

const RESULTS: Record<PeriodOutcome['result'], (dryRun: boolean) => string> = {
  created: () => 'created',
  existed: dryRun => (dryRun ? 'dry run: exists already' : 'already existed'),
  'would create': () => 'dry run: nothing created',
}

function announced({ delivered, skipped, failure }: Announcement): string {
  if (delivered.length)
    return `Announced in ${delivered.join(' and ')}.${failure ? ' Not everywhere: see the failure below.' : ''}`
  if (failure) return 'Announcement: not sent (see the failure below).'
  return `Announcement: not sent (${skipped ?? 'nothing to send'}).`
}

function table(header: string[], rows: string[][]): string {
  const cells = (tag: string, values: string[]): string =>
    `<tr>${values.map(v => `<${tag}>${escape(v)}</${tag}>`).join('')}</tr>`
  return `<table>${cells('th', header)}${rows.map(row => cells('td', row)).join('')}</table>`
}

/** Everything shown in the summary is escaped: it is HTML, and some of it came from a server. */
function escape(text: string): string {
  return text.replace(/[&<>"']/g, char => `&#${char.charCodeAt(0)};`)
}
