import { describe, expect, it } from '@jest/globals'
import { explainAuthentication } from '../../src/credentials.js'
import { Failure, describeFailure } from '../../src/feishu/errors.js'

const op = 'Getting the tenant access token'
const refused = (code: number, status = 400): Failure =>
  new Failure({ kind: 'refused', operation: op, status, code, msg: 'x' })

describe('explainAuthentication', () => {
  it.each([
    [10003, /Check app_id: it must be the App ID of a self-built app/],
    [10014, /The app_id or app_secret is wrong/],
    [10015, /The app_id or app_secret is wrong/],
    [99991543, /The app_id or app_secret is wrong/],
    [4242, /Check app_id and app_secret/],
  ])('names the inputs to check for code %d', (code, hint) => {
    expect(describeFailure(explainAuthentication(refused(code)))).toMatch(hint)
  })

  it('adds nothing to a refusal that is transient, or that the platform explained already', () => {
    const transient = refused(4242, 503)
    expect(explainAuthentication(transient)).toBe(transient)
    const explained = refused(99991662).withHint('The app is disabled.')
    expect((explainAuthentication(explained) as Failure).hints).toEqual(['The app is disabled.'])
  })

  it('points at the domain input for a 404 page, and leaves other failures as they are', () => {
    const page = new Failure({
      kind: 'unreadable',
      operation: op,
      status: 404,
      detail: 'HTTP 404, not a Feishu answer',
    })
    expect(describeFailure(explainAuthentication(page))).toContain('Check the domain input')
    const timeout = new Failure({ kind: 'timeout', operation: op, detail: 'no answer' })
    expect(explainAuthentication(timeout)).toBe(timeout)
    const bug = new TypeError('x')
    expect(explainAuthentication(bug)).toBe(bug)
  })
})
