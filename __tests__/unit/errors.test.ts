import { describe, expect, it } from '@jest/globals'
import { ActionError, InputError, describeFailure, isExpectedFailure } from '../../src/errors.js'
import { FeishuError, TransportError } from '../../src/feishu/errors.js'

const create = 'Creating the OKR period'

describe('describeFailure', () => {
  it('gives the code, msg, status, hint, troubleshooter and log id of a Feishu failure', () => {
    const error = new FeishuError(
      create,
      403,
      1000403,
      'OpenAPI is unavailable in current edition (Standard edition).',
      {
        troubleshooter: 'https://open.feishu.cn/search?log_id=abc',
        logId: '20270101abc',
      },
    )
    expect(describeFailure(error)).toBe(
      'Creating the OKR period failed: Feishu answered code 1000403 "OpenAPI is unavailable in current edition (Standard edition)." (HTTP 403). ' +
        "The OKR open API needs the OKR Business edition; this tenant's OKR is the Standard edition. " +
        'Troubleshooter: https://open.feishu.cn/search?log_id=abc. Log id: 20270101abc.',
    )
  })

  it('names the scope from permission_violations', () => {
    const error = new FeishuError(create, 400, 99991672, 'Access denied.', { scopes: ['okr:okr'] })
    expect(describeFailure(error)).toContain('Grant the app the scope okr:okr in the developer console')
  })

  it.each([10003, 10014, 99991543])('says the credentials are wrong for token code %d', code => {
    expect(describeFailure(new FeishuError('Getting the tenant access token', 400, code, 'x'))).toMatch(/app_id/)
  })

  it('adds what the caller knows, and the attempts, after the generic hint', () => {
    const error = new FeishuError(create, 400, 1001008, 'Conflict period existed.').with({
      hint: 'Set allow_existing: true.',
      attempts: 2,
    })
    expect(describeFailure(error)).toBe(
      'Creating the OKR period failed: Feishu answered code 1001008 "Conflict period existed." (HTTP 400). ' +
        'A period for that time already exists. Set allow_existing: true. Gave up after 2 attempts.',
    )
  })

  it('leaves out the hint for a code it does not know', () => {
    expect(describeFailure(new FeishuError(create, 400, 4242, 'odd'))).toBe(
      'Creating the OKR period failed: Feishu answered code 4242 "odd" (HTTP 400).',
    )
  })

  it('describes a transport failure, and a 404 page as a wrong domain', () => {
    expect(describeFailure(new TransportError(create, 'timeout', 'no answer within 30 s (timeout_seconds)'))).toBe(
      'Creating the OKR period failed: no answer within 30 s (timeout_seconds).',
    )
    expect(
      describeFailure(
        new TransportError(create, 'unreadable', 'HTTP 404, not a Feishu answer: <html>', { status: 404, logId: 'L1' }),
      ),
    ).toBe(
      'Creating the OKR period failed: HTTP 404, not a Feishu answer: <html>. Check the domain input: it must be the base URL of the Feishu Open Platform. Log id: L1.',
    )
  })

  it('passes an action error through, and marks a defect as unexpected', () => {
    expect(describeFailure(new InputError('start_month', "Input 'start_month' must be …"))).toBe(
      "Input 'start_month' must be …",
    )
    expect(describeFailure(new TypeError('x is undefined'))).toBe('Unexpected error: x is undefined')
  })
})

describe('isExpectedFailure', () => {
  it('tells anticipated failures from defects', () => {
    expect(
      [new ActionError('a'), new FeishuError(create, 400, 1, ''), new TransportError(create, 'network', '')].every(
        isExpectedFailure,
      ),
    ).toBe(true)
    expect(isExpectedFailure(new TypeError('bug'))).toBe(false)
  })
})
