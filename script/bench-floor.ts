/**
 * The floor of `npm run bench`: the least any action built on the toolkit does. Bundled by the same ncc
 * command as the action, it shows what start-up costs before the action's own code runs.
 */
import * as core from '@actions/core'

core.setOutput('ready', 'true')
