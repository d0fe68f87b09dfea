/** The requests an emulator received, as "METHOD /path", and the names of those the action makes. */
import { type Emulator, PATHS } from '../../emulator/feishu.js'

/** The requests of `sent()`, by what they do. */
export const TOKEN = `POST ${PATHS.token}`
export const CREATE = `POST ${PATHS.periods}`
export const LIST = `GET ${PATHS.periods}`
export const RULES = `GET ${PATHS.periodRules}`

/** The requests the emulator received, as "METHOD /path". */
export function sent(emulator: Emulator): string[] {
  return emulator.requests.map(request => `${request.method} ${request.path}`)
}
