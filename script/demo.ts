/**
 * `npm run demo`: runs the bundled action twice on a local emulator, the way a workflow would, and shows
 * what a user sees: the log, the outputs and the job summary. The second run shows that re-running is safe.
 */
import { DEFAULT_APP_ID, DEFAULT_APP_SECRET, startEmulator } from '../emulator/feishu.js'
import { type ActionRun, runAction } from '../emulator/runner.js'

const emulator = await startEmulator()
try {
  const inputs = {
    app_id: DEFAULT_APP_ID,
    app_secret: DEFAULT_APP_SECRET,
    domain: emulator.url,
    period_rule_id: '6969864184272078374',
    start_month: '2027-01',
    allow_existing: 'true',
  }
  console.log(`Feishu emulator on ${emulator.url}; quarterly period rule 6969864184272078374.\n`)
  show('First run: opens the period 2027-01', await runAction({ inputs }))
  show(
    'Second run, same inputs: the period exists already, allow_existing makes that success',
    await runAction({ inputs }),
  )
  console.log(
    `Requests the emulator received: ${emulator.requests.map(request => `${request.method} ${request.path}`).join(', ')}`,
  )
} finally {
  await emulator.close()
}

function show(title: string, run: ActionRun): void {
  console.log(`== ${title} (exit code ${run.exitCode})`)
  console.log('-- log')
  // The runner turns these workflow commands into masks and annotations; they are not log lines.
  const log = run.stdout
    .split('\n')
    .filter(line => line !== '' && !line.startsWith('::add-mask::') && !line.startsWith('::debug::'))
  console.log(log.map(line => `   ${line}`).join('\n'))
  console.log('-- outputs')
  for (const [name, value] of Object.entries(run.outputs)) console.log(`   ${name}=${value}`)
  console.log('-- job summary')
  console.log(run.summary.trim().replace(/^/gm, '   '))
  console.log()
}
