import * as core from '@actions/core'
import { explainAuthentication } from './credentials.js'
import { FeishuClient } from './feishu/client.js'
import { Failure, describeFailure, isFailure } from './feishu/errors.js'
import { readSettings } from './inputs.js'
import { announce } from './notify/announce.js'
import { OkrApi } from './okr/api.js'
import { formatMonth, formatOptionalMonth } from './okr/months.js'
import { openPeriods } from './okr/open.js'
import { retirePeriods } from './okr/retire.js'
import { type Report, setNotified, setOutputs, writeFailureSummary, writeSummary } from './report.js'

/**
 * The step: settings → open the periods → retire old ones → outputs → announce → summary. What was done stands
 * in the outputs and the summary even when a later part fails; the step then fails, in the one catch, with one
 * message.
 */
export async function run(): Promise<void> {
  let client: FeishuClient | undefined
  let summarized = false
  try {
    const settings = readSettings()
    client = new FeishuClient(settings.client)
    await client.authenticate().catch((error: unknown) => {
      throw explainAuthentication(error)
    })
    const okr = new OkrApi(client)
    const today = new Date()
    const opening = await openPeriods(okr, settings.open, today)
    let retiring
    if (settings.retire && opening.failure) core.info('Opening the periods failed, so no period is retired.')
    else if (settings.retire) retiring = await retirePeriods(okr, settings.retire, today, opening.periods)
    const report: Report = { settings, opening, retiring }
    setOutputs(report)

    if (settings.notify && opening.periods.length) {
      const periods = opening.periods.map(period => ({
        id: period.id,
        startMonth: formatMonth(period.startMonth),
        endMonth: formatOptionalMonth(period.endMonth),
        // In a dry run, whether a real run would create it.
        created: period.result !== 'existed',
      }))
      report.announcement = await announce(client, settings.notify, periods, runUrl())
    }
    setNotified(report.announcement)

    const failure = oneFailure([opening.failure, retiring?.failure, report.announcement?.failure])
    report.failure = failure && describeFailure(failure)
    await writeSummary(report)
    summarized = true
    if (failure) throw failure
  } catch (error) {
    if (!isFailure(error) && error instanceof Error && error.stack) core.debug(error.stack)
    const message = describeFailure(error)
    // A summary that cannot be written must not hide why the step failed.
    if (!summarized) await writeFailureSummary(message).catch(() => undefined)
    core.setFailed(message)
  } finally {
    client?.dispose()
  }
}

/** What failed, as one failure: a part that failed on its own, or the parts that did, in the order they ran. */
function oneFailure(parts: (Failure | undefined)[]): Failure | undefined {
  const failures = parts.filter((part): part is Failure => part !== undefined)
  if (failures.length <= 1) return failures[0]
  return new Failure({ kind: 'several', detail: failures.map(describeFailure).join(' ') })
}

/** The workflow run's page, from the variables the runner sets. */
function runUrl(): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: id } = process.env
  return server && repository && id ? `${server}/${repository}/actions/runs/${id}` : undefined
}
