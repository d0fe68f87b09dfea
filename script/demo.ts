/**
 * `npm run demo`: runs the bundled action on the emulator's demo tenant, the way a workflow would, and shows what
 * a user sees of each run: the log, the outputs and the job summary. The tenant has a yearly and a quarterly rule
 * whose 2026 periods coexist, and the quarters of 2025; the action's clock is set to mid-December 2026.
 */
import { DEFAULT_APP_ID, DEFAULT_APP_SECRET, DEFAULT_CHAT_ID, DEMO_TENANT, startEmulator } from '../emulator/feishu.js'
import { type ActionRun, runAction } from '../emulator/runner.js'

const QUARTERLY = '6969864184272078374'
const YEARLY = '6969864184272078375'
// 09:00 on 17 December 2026 in China: two weeks before the next quarter.
const NOW = '2026-12-17T01:00:00Z'

const emulator = await startEmulator(DEMO_TENANT)
try {
  const connection = { app_id: DEFAULT_APP_ID, app_secret: DEFAULT_APP_SECRET, domain: emulator.url }
  const calendar = {
    ...connection,
    period_rule_id: QUARTERLY,
    start_month: 'next',
    count: '2',
    allow_existing: 'true',
    retire: 'hide',
    retire_after_months: '6',
    notify_chat_id: DEFAULT_CHAT_ID,
  }
  console.log(`Feishu emulator on ${emulator.url}: the demo tenant (quarterly rule ${QUARTERLY}, yearly ${YEARLY}).\n`)
  const runs: [string, Record<string, string>][] = [
    [
      'A dry run: keep the next two quarters open, hide periods that ended 6+ months ago',
      { ...calendar, dry_run: 'true' },
    ],
    ['The same for real: two quarters opened, four old ones hidden, one announcement', calendar],
    ['Again: both quarters exist, nothing to retire, nothing announced (notify_when: created)', calendar],
    [
      'The yearly period 2026-01: it coexists with the quarter 2026-01, and is told apart from it',
      {
        ...connection,
        period_rule_id: YEARLY,
        start_month: '2026-01',
        allow_existing: 'true',
      },
    ],
  ]
  for (const [title, inputs] of runs) {
    const before = emulator.requests.length
    const run = await runAction({ inputs, now: NOW })
    show(
      title,
      run,
      emulator.requests.slice(before).map(request => `${request.method} ${request.path}`),
    )
  }
  console.log(`Messages the bot sent: ${emulator.messages().length}`)
} finally {
  await emulator.close()
}

function show(title: string, run: ActionRun, requests: string[]): void {
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
  console.log(`-- requests: ${requests.join(', ')}`)
  console.log()
}
