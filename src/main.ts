import * as core from '@actions/core'
import { describeFailure, isExpectedFailure } from './errors.js'
import { FeishuClient } from './feishu/client.js'
import { readSettings, type Settings } from './inputs.js'
import { formatMonth, formatOptionalMonth } from './months.js'
import { type Outcome, openPeriod } from './okr.js'

export async function run(): Promise<void> {
  let client: FeishuClient | undefined
  try {
    const settings = readSettings()
    client = new FeishuClient(settings)
    await client.authenticate()
    const outcome = await openPeriod(client, settings, new Date())
    setOutputs(outcome)
    await writeSummary(outcome, settings)
  } catch (error) {
    if (!isExpectedFailure(error) && error instanceof Error && error.stack) core.debug(error.stack)
    core.setFailed(describeFailure(error))
  } finally {
    client?.dispose()
  }
}

function setOutputs(outcome: Outcome): void {
  core.setOutput('period_id', outcome.id)
  core.setOutput('start_month', formatMonth(outcome.startMonth))
  core.setOutput('end_month', outcome.endMonth === undefined ? '' : formatMonth(outcome.endMonth))
  core.setOutput('created', String(outcome.created))
}

async function writeSummary(outcome: Outcome, settings: Settings): Promise<void> {
  // Outside a runner (a local run) there is no summary file, and the period is no less open for it.
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const result = outcome.dryRun ? 'dry run: nothing created' : outcome.created ? 'created' : 'already existed'
  await core.summary
    .addHeading(outcome.dryRun ? 'OKR period (dry run)' : 'OKR period', 3)
    .addTable([
      [
        { data: 'Period id', header: true },
        { data: 'Start month', header: true },
        { data: 'End month', header: true },
        { data: 'Result', header: true },
        { data: 'Domain', header: true },
      ],
      [
        outcome.id || (outcome.dryRun ? '(none: dry run)' : '(unknown)'),
        formatMonth(outcome.startMonth),
        formatOptionalMonth(outcome.endMonth),
        result,
        new URL(settings.baseUrl).host,
      ],
    ])
    .write()
}
