/** What the end-to-end tests share: the emulator's default rules, the inputs that reach it, and running the action. */
import { afterEach } from '@jest/globals'
import {
  DEFAULT_APP_ID,
  DEFAULT_APP_SECRET,
  type Emulator,
  type EmulatorOptions,
  startEmulator,
} from '../../emulator/feishu.js'
import { type ActionRun, type RunOptions, runAction } from '../../emulator/runner.js'

export const QUARTERLY = '6969864184272078374'
export const YEARLY = '6969864184272078375'
export const MONTHLY = '6969864184272078376'

/** Inputs that reach `emulator` with the app it accepts. */
export function connection(emulator: Emulator): Record<string, string> {
  return { app_id: DEFAULT_APP_ID, app_secret: DEFAULT_APP_SECRET, domain: emulator.url }
}

/** Everything the action printed, where neither a stack trace nor a secret may appear. */
export function printed(run: ActionRun): string {
  return `${run.stdout}\n${run.stderr}`
}

/** Every output of a run that opened one period and did nothing else, from the four that describe it. */
export function onePeriodOutputs(first: {
  period_id: string
  start_month: string
  end_month: string
  created: string
}): Record<string, string> {
  const period = { ...first, created: first.created === 'true' }
  return {
    ...first,
    periods: JSON.stringify([period]),
    created_count: first.created === 'true' ? '1' : '0',
    retired: '[]',
    notified: 'false',
  }
}

/** Runs the bundled action against `emulator`: the quarterly rule from 2027-01, unless `inputs` say otherwise. */
export function runOn(
  emulator: Emulator,
  inputs: Record<string, string> = {},
  options: Omit<RunOptions, 'inputs'> = {},
): Promise<ActionRun> {
  return runAction({
    inputs: { ...connection(emulator), period_rule_id: QUARTERLY, start_month: '2027-01', ...inputs },
    ...options,
  })
}

/**
 * `start(options)` for a test file: starts an emulator, hands it to `keep` (the file's own variable), and closes it
 * after each test.
 */
export function startsEmulator(keep: (emulator: Emulator) => void): (options?: EmulatorOptions) => Promise<Emulator> {
  let current: Emulator | undefined
  afterEach(async () => {
    await current?.close()
    current = undefined
  })
  return async options => {
    current = await startEmulator(options)
    keep(current)
    return current
  }
}
