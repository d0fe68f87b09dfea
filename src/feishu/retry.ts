import { CODES, FeishuError, TransportError } from './errors.js'

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
 * Whether to try again after `failedAttempts` attempts ended in `error`, and after how long.
 * `random` is in [0, 1).
 */
export function nextRetry(
  error: unknown,
  failedAttempts: number,
  maxRetries: number,
  random: number,
  /** The wait a rate-limited answer asks for, from `rateLimitReset`. */
  rateLimitResetMs?: number,
): Retry | undefined {
  if (failedAttempts > maxRetries) return undefined
  const reason = transientReason(error)
  if (!reason) return undefined
  if (reason === 'rate limited' && rateLimitResetMs !== undefined) {
    if (rateLimitResetMs > RATE_LIMIT_WAIT_CAP_MS) return undefined
    return { waitMs: rateLimitResetMs + Math.round(random * RATE_LIMIT_JITTER_MS), reason }
  }
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (failedAttempts - 1))
  return { waitMs: Math.round(ceiling / 2 + (random * ceiling) / 2), reason }
}

/** Why `error` is transient, or undefined when trying again cannot help. */
export function transientReason(error: unknown): string | undefined {
  if (error instanceof TransportError) {
    if (error.failure === 'timeout') return 'timed out'
    if (error.failure === 'network') return `connection failed (${error.detail})`
    // An answer lost on the way (a gateway's error page, a cut-off body) may come through next time.
    if (error.status !== undefined && (error.status >= 500 || error.status < 300))
      return `unreadable answer (HTTP ${error.status})`
    return error.status === 429 ? 'rate limited' : undefined
  }
  if (error instanceof FeishuError) {
    if (error.status === 429 || error.code === CODES.rateLimited) return 'rate limited'
    if (error.code === CODES.unknownError || error.status >= 500)
      return `Feishu code ${error.code} (HTTP ${error.status})`
  }
  return undefined
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
