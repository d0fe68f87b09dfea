import { describe, expect, it } from '@jest/globals'
import { Failure, describeFailure, isRefusal } from '../../src/feishu/errors.js'

const create = 'Creating the OKR period'

describe('describeFailure', () => {
  it('gives the code, msg, status, hints, troubleshooter and log id of a refusal, in that order', () => {
    const error = new Failure({
      kind: 'refused',
      operation: create,
      status: 403,
      code: 1000403,
      msg: 'OpenAPI is unavailable in current edition (Standard edition).',
      hints: ["The OKR open API needs the OKR Business edition; this tenant's OKR is the Standard edition."],
      troubleshooter: 'https://open.feishu.cn/search?log_id=abc',
      logId: '20270101abc',
    })
    expect(describeFailure(error)).toBe(
      'Creating the OKR period failed: Feishu answered code 1000403 "OpenAPI is unavailable in current edition (Standard edition)." (HTTP 403). ' +
        "The OKR open API needs the OKR Business edition; this tenant's OKR is the Standard edition. " +
        'Troubleshooter: https://open.feishu.cn/search?log_id=abc. Log id: 20270101abc.',
    )
  })

  it('adds hints in the order the layers add them, then the attempts', () => {
    const error = new Failure({
      kind: 'refused',
      operation: create,
      status: 400,
      code: 1001008,
      msg: 'Conflict period existed.',
    })
      .withHint('A period for that time already exists.')
      .withHint('Set allow_existing: true.')
      .with({ attempts: 2 })
    expect(describeFailure(error)).toBe(
      'Creating the OKR period failed: Feishu answered code 1001008 "Conflict period existed." (HTTP 400). ' +
        'A period for that time already exists. Set allow_existing: true. Gave up after 2 attempts.',
    )
  })

  it('keeps a failure unchanged when the hint is empty, and as a new value otherwise', () => {
    const error = new Failure({ kind: 'timeout', operation: create, detail: 'no answer within 30 s (timeout_seconds)' })
    expect(error.withHint(undefined)).toBe(error)
    const hinted = error.withHint('Re-run.')
    expect(hinted).not.toBe(error)
    expect(error.hints).toEqual([])
    expect(hinted.kind).toBe('timeout')
  })

  it('describes a transport failure with the attempts in its first sentence', () => {
    expect(
      describeFailure(
        new Failure({
          kind: 'network',
          operation: create,
          detail: 'the connection failed (ECONNREFUSED)',
          attempts: 2,
        }),
      ),
    ).toBe('Creating the OKR period failed: the connection failed (ECONNREFUSED); gave up after 2 attempts.')
  })

  it('describes a failure without an operation by its detail, and one that wraps another', () => {
    expect(describeFailure(new Failure({ kind: 'input', detail: "Input 'start_month' must be a month." }))).toBe(
      "Input 'start_month' must be a month.",
    )
    const cause = new Failure({ kind: 'refused', operation: create, status: 400, code: 4242, msg: 'odd' })
    expect(
      describeFailure(new Failure({ kind: 'partial', detail: 'Period 2 of 3 failed', cause, hints: ['Re-run.'] })),
    ).toBe('Period 2 of 3 failed: Creating the OKR period failed: Feishu answered code 4242 "odd" (HTTP 400). Re-run.')
  })

  it('marks a defect as unexpected', () => {
    expect(describeFailure(new TypeError('x is undefined'))).toBe('Unexpected error: x is undefined')
  })
})

describe('isRefusal', () => {
  it('tells a refusal with a code from other failures', () => {
    const refusal = new Failure({ kind: 'refused', code: 1001008 })
    expect(isRefusal(refusal, 1001008)).toBe(true)
    expect(isRefusal(refusal, 1001009)).toBe(false)
    expect(isRefusal(new Failure({ kind: 'timeout' }))).toBe(false)
    expect(isRefusal(new Error('x'))).toBe(false)
  })
})
