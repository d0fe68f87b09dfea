import { describe, expect, it } from '@jest/globals'
import { createServer } from 'node:net'
import { type Emulator, type Fault, PATHS } from '../../emulator/feishu.js'
import { connection, onePeriodOutputs, printed, QUARTERLY, runOn, startsEmulator } from '../support/fixtures.js'
import { TOKEN, CREATE, LIST, RULES, sent } from '../support/requests.js'
import { startHttpsProxy } from '../support/proxy.js'
import { runAction } from '../../emulator/runner.js'

let emulator: Emulator
const startWith = startsEmulator(started => (emulator = started))

async function start(...faults: Fault[]): Promise<Emulator> {
  await startWith()
  for (const fault of faults) emulator.inject(fault)
  return emulator
}

const run = (inputs: Record<string, string> = {}) => runOn(emulator, inputs)

const onCreate = (fault: Fault['fault'], more: Partial<Fault> = {}): Fault => ({
  method: 'POST',
  path: PATHS.periods,
  fault,
  ...more,
})
const onToken = (fault: Fault['fault'], more: Partial<Fault> = {}): Fault => ({
  method: 'POST',
  path: PATHS.token,
  fault,
  ...more,
})
const retryLines = (stdout: string): string[] =>
  stdout.split('\n').filter(line => / failed \(.*\); retrying in /.test(line))

describe('transient failures are retried', () => {
  it('HTTP 500 with code 1009999, twice: the third attempt creates the period', async () => {
    await start(onCreate('status500', { times: 2 }))
    const result = await run()

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, CREATE, CREATE])
    expect(result.outputs['created']).toBe('true')
    expect(emulator.periods()).toHaveLength(1)
    expect(retryLines(result.stdout)).toEqual([
      expect.stringMatching(
        /^Creating the OKR period: attempt 1 of 4 failed \(Feishu code 1009999 \(HTTP 500\)\); retrying in \d\.\d s\.$/,
      ),
      expect.stringMatching(/^Creating the OKR period: attempt 2 of 4 failed/),
    ])
  })

  it.each([502, 503, 504])('a gateway HTML page (HTTP %d) on the token call', async status => {
    await start(onToken('gateway', { status }))
    const result = await run()

    expect(result.exitCode).toBe(0)
    expect(emulator.periods()).toHaveLength(1)
    expect(sent(emulator)).toEqual([TOKEN, TOKEN, CREATE])
    expect(retryLines(result.stdout)).toEqual([expect.stringContaining(`unreadable answer (HTTP ${status})`)])
  })

  it('a connection reset', async () => {
    await start(onCreate('reset'))
    const result = await run()

    expect(result.exitCode).toBe(0)
    expect(emulator.periods()).toHaveLength(1)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, CREATE])
    expect(retryLines(result.stdout)).toEqual([expect.stringContaining('connection failed (ECONNRESET)')])
  })

  it('rate limiting: waits what x-ogw-ratelimit-reset asks, not less and not much more', async () => {
    await start(onCreate('ratelimit', { resetSeconds: 2 }))
    const result = await run()

    expect(result.exitCode).toBe(0)
    expect(emulator.periods()).toHaveLength(1)
    const [, limited, retried] = emulator.requests
    const waited = retried.receivedAt - limited.receivedAt
    expect(waited).toBeGreaterThanOrEqual(2000)
    expect(waited).toBeLessThan(2000 + 250 + 750)
    expect(retryLines(result.stdout)).toEqual([
      expect.stringMatching(/failed \(rate limited\); retrying in 2\.\d s\.$/),
    ])
  })

  it('gives up after max_retries with the last failure, the attempts and the log id', async () => {
    await start(onCreate('status500', { times: 10 }))
    const result = await run({ max_retries: '2' })

    expect(result.exitCode).toBe(1)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, CREATE, CREATE])
    expect(result.errors).toEqual([
      expect.stringMatching(
        /^Creating the OKR period failed: Feishu answered code 1009999 .*\(HTTP 500\)\. .* Gave up after 3 attempts\. Log id: \w+\.$/,
      ),
    ])
  })

  it('a refused connection, with the cause in the message', async () => {
    const port = await closedPort()
    const result = await runAction({
      inputs: {
        ...connection({ url: '' } as Emulator),
        domain: `http://127.0.0.1:${port}`,
        period_rule_id: QUARTERLY,
        start_month: '2027-01',
        max_retries: '1',
      },
    })

    expect(result.exitCode).toBe(1)
    expect(result.errors).toEqual([
      'Getting the tenant access token failed: the connection failed (ECONNREFUSED); gave up after 2 attempts.',
    ])
  })
})

describe('what is not transient is not retried', () => {
  it.each([
    ['1000403 (Standard edition)', { edition: 'standard' as const }],
    ['99991672 (missing scope)', { scopes: [] }],
  ])('%s: one create request', async (_, options) => {
    await startWith(options)
    const result = await run()

    expect(result.exitCode).toBe(1)
    expect(sent(emulator)).toEqual([TOKEN, CREATE])
    expect(retryLines(result.stdout)).toEqual([])
  })
})

describe('a hung server', () => {
  it('aborts each request at timeout_seconds and fails saying so, after max_retries retries', async () => {
    await start(onCreate('hang', { times: 5 }))
    const result = await run({ timeout_seconds: '0.5', max_retries: '1' })

    expect(result.exitCode).toBe(1)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, CREATE])
    expect(result.errors).toEqual([
      'Creating the OKR period failed: no answer within 0.5 s (timeout_seconds); gave up after 2 attempts. ' +
        'The request may have reached Feishu, so the period may exist now: re-run with allow_existing: true to find it.',
    ])
  })
})

describe('an answer that is not the JSON expected', () => {
  it('is an error with the HTTP status and a safe excerpt, never a SyntaxError, and never a piece of the token', async () => {
    await start(onToken('truncated'))
    const result = await run({ max_retries: '0' })

    expect(result.exitCode).toBe(1)
    expect(result.errors).toEqual([
      'Getting the tenant access token failed: HTTP 200, not a Feishu answer: {"code":0,"msg":"ok","tenant_access_token":"***". Log id: ' +
        `${/Log id: (\w+)/.exec(result.errors[0] ?? '')?.[1]}.`,
    ])
    expect(printed(result)).not.toMatch(/SyntaxError|\n\s+at /)
    expect(printed(result)).not.toMatch(/\bt-[0-9a-f]{3,}/)
  })
})

describe('a create whose answer was lost', () => {
  it.each([
    ['a reset after the period was made', 'commit-then-reset' as const],
    ['a cut-off answer', 'truncated' as const],
  ])(
    'with allow_existing, after %s: the retry meets 1001008, and the period this run created is reported',
    async (_, fault) => {
      await start(onCreate(fault))
      const result = await run({ allow_existing: 'true' })

      expect(result.exitCode).toBe(0)
      expect(emulator.periods()).toHaveLength(1)
      expect(sent(emulator)).toEqual([TOKEN, CREATE, CREATE, LIST, RULES])
      expect(result.outputs).toEqual(
        onePeriodOutputs({
          period_id: emulator.periods()[0].id,
          start_month: '2027-01',
          end_month: '2027-03',
          created: 'false',
        }),
      )
      expect(result.stdout).toContain('An earlier attempt of this run, whose answer was lost, has probably created it.')
    },
  )

  it('without allow_existing: fails, saying an earlier attempt of this run may have created it, with its period_id', async () => {
    await start(onCreate('commit-then-reset'))
    const result = await run()

    expect(result.exitCode).toBe(1)
    expect(emulator.periods()).toHaveLength(1)
    expect(result.errors[0]).toContain(
      `An earlier attempt of this same run, whose answer was lost, may have created it (period_id ${emulator.periods()[0].id}). Set allow_existing: true`,
    )
    expect(result.errors[0]).toContain('Gave up after 2 attempts')
  })
})

describe('a token the OKR API rejects (99991663)', () => {
  it('is fetched again once, and the call sent once more', async () => {
    await start(onCreate('revoke-tokens'))
    const result = await run()

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, TOKEN, CREATE])
    expect(result.stdout).toContain('Feishu rejected the tenant access token; getting a new one and trying once more.')
    const [, first, , second] = emulator.requests
    expect(second.headers['authorization']).not.toBe(first.headers['authorization'])
  })

  it('fails when the new token is rejected too', async () => {
    await start(onCreate('revoke-tokens', { times: 2 }))
    const result = await run()

    expect(result.exitCode).toBe(1)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, TOKEN, CREATE])
    expect(result.errors[0]).toMatch(/^Creating the OKR period failed: Feishu answered code 99991663 /)
  })
})

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

describe('behind a proxy', () => {
  it('reaches an https domain through https_proxy, as the toolkit honours it', async () => {
    await start()
    const proxy = await startHttpsProxy('open.feishu.test', Number(new URL(emulator.url).port))
    try {
      const result = await runAction({
        inputs: {
          ...connection(emulator),
          domain: 'https://open.feishu.test',
          period_rule_id: QUARTERLY,
          start_month: '2027-01',
        },
        env: { https_proxy: proxy.proxyUrl, NODE_EXTRA_CA_CERTS: proxy.caFile },
      })

      expect(result.exitCode).toBe(0)
      expect(result.outputs['created']).toBe('true')
      expect(proxy.connects.length).toBeGreaterThanOrEqual(1)
      expect(new Set(proxy.connects)).toEqual(new Set(['open.feishu.test:443']))
      expect(sent(emulator)).toEqual([TOKEN, CREATE])
    } finally {
      await proxy.close()
    }
  })
})

describe('a create that may have reached Feishu, never retried', () => {
  it('says the period may exist now, and how to pick it up', async () => {
    await start(onCreate('commit-then-reset'))
    const result = await run({ max_retries: '0' })

    expect(result.exitCode).toBe(1)
    expect(result.errors).toEqual([
      'Creating the OKR period failed: the connection failed (ECONNRESET). The request may have reached Feishu, so the period may exist now: re-run with allow_existing: true to find it.',
    ])
  })
})

describe('a create left unanswered, with allow_existing', () => {
  it('reports the period when the list has it', async () => {
    await start(onCreate('commit-then-reset'))
    const result = await run({ allow_existing: 'true', max_retries: '0' })

    expect(result.exitCode).toBe(0)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, LIST, RULES])
    expect(result.outputs).toEqual(
      onePeriodOutputs({
        period_id: emulator.periods()[0].id,
        start_month: '2027-01',
        end_month: '2027-03',
        created: 'false',
      }),
    )
  })

  it('fails, saying to re-run, when the list does not have it', async () => {
    await start(onCreate('hang'))
    const result = await run({ allow_existing: 'true', max_retries: '0', timeout_seconds: '0.5' })

    expect(result.exitCode).toBe(1)
    expect(result.errors).toEqual([
      'Creating the OKR period failed: no answer within 0.5 s (timeout_seconds). ' +
        'The request may have reached Feishu, so the period may exist now: it is not in the list yet, so re-run the job.',
    ])
  })
})

describe('a firewall page (HTTP 403, not JSON) on create', () => {
  it('is not retried, and does not say the period may exist', async () => {
    await start(onCreate('gateway', { status: 403 }))
    const result = await run()

    expect(result.exitCode).toBe(1)
    expect(sent(emulator)).toEqual([TOKEN, CREATE])
    expect(result.errors).toEqual([
      expect.stringMatching(
        /^Creating the OKR period failed: HTTP 403, not a Feishu answer: <html>.*\. Log id: \w+\.$/,
      ),
    ])
  })
})

describe('a 99991663 after a lost answer', () => {
  it('still says that an earlier attempt of this run may have created the period', async () => {
    await start(onCreate('commit-then-reset'), onCreate('revoke-tokens'))
    const result = await run()

    expect(result.exitCode).toBe(1)
    expect(sent(emulator)).toEqual([TOKEN, CREATE, CREATE, TOKEN, CREATE, LIST, RULES])
    expect(result.errors[0]).toContain(
      'An earlier attempt of this same run, whose answer was lost, may have created it',
    )
    expect(emulator.periods()).toHaveLength(1)
  })
})
