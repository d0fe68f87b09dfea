/**
 * Runs the Feishu emulator on its own, for trying the action by hand:
 *   node build/emulator/cli.js [--port N]     (or PORT=N; 0, the default, picks a free port)
 */
import { DEFAULT_APP_ID, DEFAULT_APP_SECRET, DEFAULT_RULES, startEmulator } from './feishu.js'

function requestedPort(argv: string[], env: NodeJS.ProcessEnv): number {
  const flag = argv.findIndex(arg => arg === '--port' || arg.startsWith('--port='))
  const text =
    flag < 0
      ? (env['PORT'] ?? '0')
      : argv[flag].startsWith('--port=')
        ? argv[flag].slice('--port='.length)
        : (argv[flag + 1] ?? '')
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new Error(`Not a port number: "${text}"`)
  return Number(text)
}

let port: number
try {
  port = requestedPort(process.argv.slice(2), process.env)
} catch (error) {
  console.error((error as Error).message)
  process.exit(2)
}

let emulator: Awaited<ReturnType<typeof startEmulator>>
try {
  emulator = await startEmulator({ port })
} catch (error) {
  // Most often the port is taken, e.g. by an emulator left running in the background.
  console.error(`Cannot start the Feishu emulator on port ${port}: ${(error as Error).message}`)
  process.exit(1)
}
console.log(`Feishu emulator listening on ${emulator.url}`)
const rules = DEFAULT_RULES.map(
  rule => `${rule.period_rule_id} (${rule.length} month${rule.length === 1 ? '' : 's'} from month ${rule.first_month})`,
)
console.log(`app_id=${DEFAULT_APP_ID} app_secret=${DEFAULT_APP_SECRET} period rules: ${rules.join(', ')}`)

let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  await emulator.close()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
