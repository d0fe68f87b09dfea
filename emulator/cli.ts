/**
 * Runs the Feishu emulator on its own, serving the demo tenant, for trying the action by hand:
 *   node build/emulator/cli.js [--port N] [--conflicts overlap|same-rule]     (npm run emulator -- …)
 * See usage() for the flags.
 */
import {
  DEFAULT_APP_ID,
  DEFAULT_APP_SECRET,
  DEFAULT_CHAT_ID,
  DEFAULT_SCOPES,
  DEFAULT_WEBHOOK_TOKEN,
  DEMO_TENANT,
  type EmulatorOptions,
  PATHS,
  startEmulator,
} from './feishu.js'

const USAGE = `Usage: npm run emulator -- [options]

Serves a local stand-in for Feishu's Open Platform with a demo tenant: a quarterly and a yearly period rule,
the year 2026 and its four quarters, and the quarters of 2025 (the first one hidden).

Options:
  --port N                         Port to listen on (default: $PORT, else 0, which picks a free port)
  --conflicts overlap|same-rule    Which periods make a create answer 1001008: any overlapping period
                                   (overlap, the default) or only an overlapping one of the same rule
  -h, --help                       Print this help and exit
`

interface Settings {
  help: boolean
  port: number
  conflicts: NonNullable<EmulatorOptions['conflicts']>
}

class UsageError extends Error {}

function parseArguments(argv: string[], env: NodeJS.ProcessEnv): Settings {
  const settings: Settings = { help: false, port: parsePort(env['PORT'] ?? '0'), conflicts: 'overlap' }
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]
    if (argument === '-h' || argument === '--help') {
      settings.help = true
      continue
    }
    const match = /^(--port|--conflicts)(?:=(.*))?$/.exec(argument)
    if (!match) throw new UsageError(`Unknown option: ${argument}`)
    const value = match[2] ?? argv[++i]
    if (value === undefined) throw new UsageError(`${match[1]} needs a value`)
    if (match[1] === '--port') settings.port = parsePort(value)
    else if (value === 'overlap' || value === 'same-rule') settings.conflicts = value
    else throw new UsageError(`--conflicts must be overlap or same-rule, not "${value}"`)
  }
  return settings
}

function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new UsageError(`Not a port number: "${text}"`)
  return Number(text)
}

const STATUS_NAMES = ['default', 'normal', 'marked invalid', 'hidden']

let settings: Settings
try {
  settings = parseArguments(process.argv.slice(2), process.env)
} catch (error) {
  if (!(error instanceof UsageError)) throw error
  console.error(`${error.message}\n\n${USAGE}`)
  process.exit(2)
}
if (settings.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}

let emulator: Awaited<ReturnType<typeof startEmulator>>
try {
  emulator = await startEmulator({ ...DEMO_TENANT, port: settings.port, conflicts: settings.conflicts })
} catch (error) {
  // Most often the port is taken, e.g. by an emulator left running in the background.
  console.error(`Cannot start the Feishu emulator on port ${settings.port}: ${(error as Error).message}`)
  process.exit(1)
}

const rules = (DEMO_TENANT.rules ?? []).map(
  rule =>
    `  ${rule.period_rule_id}  ${rule.length} month${rule.length === 1 ? '' : 's'} from month ${rule.first_month} (${rule.type})`,
)
const periods = emulator
  .periods()
  .map(
    period =>
      `  ${period.id}  rule ${period.period_rule_id}  ${period.start_month} – ${period.end_month}  ` +
      `${period.en_name.padEnd(16)}  status ${period.status} (${STATUS_NAMES[period.status]})`,
  )
console.log(
  [
    `Feishu emulator listening on ${emulator.url}`,
    `app_id=${DEFAULT_APP_ID} app_secret=${DEFAULT_APP_SECRET} scopes: ${DEFAULT_SCOPES.join(', ')}`,
    `Conflicts: ${settings.conflicts}`,
    'Period rules:',
    ...rules,
    'Periods:',
    ...periods,
    `Chat for the app's bot: ${DEFAULT_CHAT_ID}`,
    `Group webhook: ${emulator.url}${PATHS.webhook(DEFAULT_WEBHOOK_TOKEN)}`,
  ].join('\n'),
)

let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  await emulator.close()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
