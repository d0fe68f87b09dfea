import type { Failure } from './errors.js'
import { PLATFORM_CODES } from './hints.js'

/**
 * Which failures are worth another attempt, and how long to wait first. Pure, so that every decision can
 * be tested without sleeping.
 */

/** Backoff for attempt n (1-based) is drawn from [d/2, d], d = min(BACKOFF_CAP_MS, BACKOFF_BASE_MS·2^(n-1)). */
export const BACKOFF_BASE_MS = 1000
export const BACKOFF_CAP_MS = 8000
/** Feishu's limits are per minute, so a longer wait than this is not a hiccup: fail and say so. */
export const RATE_LIMIT_WAIT_CAP_MS = 60_000
/** Rate-limit waits are what the platform asks plus at most this, so that runs woken together spread out. */
export const RATE_LIMIT_JITTER_MS = 250

export interface Retry {
  waitMs: number
  /** Why, in a few words, for the log line. */
  reason: string
}

/**
 * Whether to try again after `failedAttempts` attempts ended in a failure that `reason` calls transient (undefined:
 * it is not), and after how long. `resetMs` is the wait a rate-limited answer asked for; `random` is in [0, 1).
 */
export function nextRetry(
  reason: string | undefined,
  resetMs: number | undefined,
  failedAttempts: number,
  maxRetries: number,
  random: number,
): Retry | undefined {
  if (failedAttempts > maxRetries || !reason) return undefined
  if (reason === 'rate limited' && resetMs !== undefined) {
    if (resetMs > RATE_LIMIT_WAIT_CAP_MS) return undefined
    return { waitMs: resetMs + Math.round(random * RATE_LIMIT_JITTER_MS), reason }
  }
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (failedAttempts - 1))
  return { waitMs: Math.round(ceiling / 2 + (random * ceiling) / 2), reason }
}

/** Why `error` is transient, or undefined when trying again cannot help. */
export function transientReason(error: Failure, transientCodes: readonly number[] = []): string | undefined {
  const { status, code, detail } = error.fields
  switch (error.kind) {
    case 'timeout':
      return 'timed out'
    case 'network':
      return detail
    case 'unreadable':
    case 'too-large':
      if (status === 429) return 'rate limited'
      // An answer lost on the way (a gateway's error page, a cut-off body) may come through next time.
      if (status === undefined || status >= 500 || status < 300) {
        return `${error.kind === 'too-large' ? 'answer too large' : 'unreadable answer'} (HTTP ${status})`
      }
      return undefined
    case 'refused':
      if (status === 429 || code === PLATFORM_CODES.rateLimited) return 'rate limited'
      if ((status !== undefined && status >= 500) || transientCodes.includes(code ?? 0)) {
        return `Feishu code ${code} (HTTP ${status})`
      }
      return undefined
    default:
      return undefined
  }
}

/**
 * How long a rate-limited answer asks us to wait, in milliseconds: its `x-ogw-ratelimit-reset` (seconds),
 * else its `Retry-After` (seconds or an HTTP date).
 */
export function rateLimitReset(
  ogwReset: string | undefined,
  retryAfter: string | undefined,
  now: number,
): number | undefined {
  if (ogwReset && /^\d+(\.\d+)?$/.test(ogwReset.trim())) return Number(ogwReset) * 1000
  if (!retryAfter) return undefined
  if (/^\d+$/.test(retryAfter.trim())) return Number(retryAfter) * 1000
  const date = Date.parse(retryAfter)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
