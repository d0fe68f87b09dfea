import { describe, expect, it } from '@jest/globals'
import { type CallKind, Failure } from '../../src/feishu/errors.js'
import {
  BACKOFF_CAP_MS,
  RATE_LIMIT_JITTER_MS,
  RATE_LIMIT_WAIT_CAP_MS,
  nextRetry,
  rateLimitReset,
  transientReason,
} from '../../src/feishu/retry.js'

const op = 'Creating the OKR period'
const feishu = (status: number, code: number): Failure => new Failure({ kind: 'refused', operation: op, status, code })
const transport = (kind: Exclude<CallKind, 'refused'>, status?: number): Failure =>
  new Failure({ kind, operation: op, detail: 'detail', status })

describe('what is transient', () => {
  it.each([
    ['a timeout', transport('timeout')],
    ['a reset connection', transport('network')],
    ['a gateway page (HTTP 502, not JSON)', transport('unreadable', 502)],
    ['a cut-off 200 answer', transport('unreadable', 200)],
    ['HTTP 500 with code 1009999', feishu(500, 1009999)],
    ['code 1009999 with HTTP 200', feishu(200, 1009999)],
    ['HTTP 429', feishu(429, 99991400)],
    ['code 99991400 with HTTP 400', feishu(400, 99991400)],
    ['an HTTP 429 that is not JSON', transport('unreadable', 429)],
    ['a 200 answer too large to read', transport('too-large', 200)],
  ])('retries %s', (_, error) => {
    expect(transientReason(error, [1009999])).toBeDefined()
  })

  it('retries a code of the API called only when the caller names it transient', () => {
    expect(transientReason(feishu(200, 1009999))).toBeUndefined()
    expect(transientReason(feishu(200, 1009999), [1009999])).toBe('Feishu code 1009999 (HTTP 200)')
  })

  it('says why a connection failed once, in the words of the failure', () => {
    const refused = new Failure({ kind: 'network', operation: op, detail: 'the connection failed (ECONNREFUSED)' })
    expect(transientReason(refused)).toBe('the connection failed (ECONNREFUSED)')
  })

  it.each([
    [1001001],
    [1001002],
    [1001004],
    [1001008],
    [1001009],
    [1000403],
    [10003],
    [10014],
    [99991663],
    [99991672],
    [99991676],
  ])('does not retry code %d', code => {
    expect(transientReason(feishu(400, code))).toBeUndefined()
  })

  it('does not retry an HTML 404 (a wrong domain), nor a kind it does not know', () => {
    expect(transientReason(transport('unreadable', 404))).toBeUndefined()
    expect(transientReason(new Failure({ kind: 'input', detail: 'bad' }))).toBeUndefined()
  })
})

describe('nextRetry', () => {
  it('stops after max_retries retries, and for what is not transient', () => {
    expect(nextRetry('timed out', undefined, 3, 3, 0)).toBeDefined()
    expect(nextRetry('timed out', undefined, 4, 3, 0)).toBeUndefined()
    expect(nextRetry('timed out', undefined, 1, 0, 0)).toBeUndefined()
    expect(nextRetry(undefined, undefined, 1, 3, 0)).toBeUndefined()
  })

  it('backs off exponentially, with jitter within [d/2, d], capped', () => {
    const waits = (random: number): number[] =>
      [1, 2, 3, 4, 5].map(n => nextRetry('timed out', undefined, n, 10, random)?.waitMs ?? -1)
    expect(waits(0)).toEqual([500, 1000, 2000, 4000, 4000])
    expect(waits(0.999999)).toEqual([1000, 2000, 4000, 8000, 8000])
    expect(Math.max(...waits(0.999999))).toBe(BACKOFF_CAP_MS)
  })

  it('waits what a rate-limited answer asks, and not much more', () => {
    expect(nextRetry('rate limited', 3000, 1, 3, 0)).toEqual({ waitMs: 3000, reason: 'rate limited' })
    expect(nextRetry('rate limited', 3000, 1, 3, 0.999999)?.waitMs).toBe(3000 + RATE_LIMIT_JITTER_MS)
  })

  it('gives up at once when the platform asks for a wait longer than the cap', () => {
    expect(nextRetry('rate limited', RATE_LIMIT_WAIT_CAP_MS + 1000, 1, 3, 0)).toBeUndefined()
  })

  it('backs off on a rate limit that names no wait', () => {
    expect(nextRetry('rate limited', undefined, 2, 3, 0)?.waitMs).toBe(1000)
  })
})

describe('rateLimitReset', () => {
  const now = Date.UTC(2027, 0, 1)

  it('prefers x-ogw-ratelimit-reset, in seconds', () => {
    expect(rateLimitReset('7', '30', now)).toBe(7000)
    expect(rateLimitReset('0.5', undefined, now)).toBe(500)
  })

  it('falls back to Retry-After, in seconds or as a date', () => {
    expect(rateLimitReset(undefined, '2', now)).toBe(2000)
    expect(rateLimitReset('soon', '2', now)).toBe(2000)
    expect(rateLimitReset(undefined, new Date(now + 5000).toUTCString(), now)).toBe(5000)
  })

  it('knows nothing without those headers, or from nonsense', () => {
    expect(rateLimitReset(undefined, undefined, now)).toBeUndefined()
    expect(rateLimitReset('soon', 'later', now)).toBeUndefined()
  })
})
