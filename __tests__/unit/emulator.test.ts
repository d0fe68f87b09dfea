import { createHmac } from 'node:crypto'
import { connect } from 'node:net'
import { afterEach, describe, expect, it } from '@jest/globals'
import {
  DEFAULT_APP_ID,
  DEFAULT_APP_SECRET,
  DEFAULT_CHAT_ID,
  DEFAULT_SCOPES,
  DEFAULT_WEBHOOK_TOKEN,
  DEMO_TENANT,
  PATHS,
  startEmulator,
} from '../../emulator/feishu.js'
import type { Emulator, EmulatorOptions } from '../../emulator/feishu.js'

const QUARTERLY = '6969864184272078374'
const YEARLY = '6969864184272078375'

let emulator: Emulator | undefined

afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

async function start(options?: EmulatorOptions): Promise<Emulator> {
  emulator = await startEmulator(options)
  return emulator
}

interface Reply {
  status: number
  headers: Headers
  json: Record<string, any>
}

async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Reply> {
  const response = await fetch(emulator!.url + path, {
    method,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      ...(options.token === undefined ? {} : { Authorization: `Bearer ${options.token}` }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  })
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, any> }
}

async function token(): Promise<string> {
  const reply = await call('POST', PATHS.token, { body: { app_id: DEFAULT_APP_ID, app_secret: DEFAULT_APP_SECRET } })
  return reply.json['tenant_access_token'] as string
}

function create(accessToken: string, startMonth: string, ruleId = QUARTERLY): Promise<Reply> {
  return call('POST', PATHS.periods, { token: accessToken, body: { period_rule_id: ruleId, start_month: startMonth } })
}

describe('tenant access token', () => {
  it('issues a token for the right credentials, not wrapped in data', async () => {
    await start()
    const reply = await call('POST', PATHS.token, { body: { app_id: DEFAULT_APP_ID, app_secret: DEFAULT_APP_SECRET } })
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual({
      code: 0,
      msg: 'ok',
      tenant_access_token: expect.stringMatching(/^t-[0-9a-f]{30}$/),
      expire: 7200,
    })
    expect(reply.headers.get('x-tt-logid')).toBeTruthy()
  })

  it.each([400, 200])('refuses unknown apps and wrong secrets with HTTP %i', async status => {
    await start({ authFailureStatus: status })
    const unknownApp = await call('POST', PATHS.token, {
      body: { app_id: 'cli_other', app_secret: DEFAULT_APP_SECRET },
    })
    expect([unknownApp.status, unknownApp.json]).toEqual([status, { code: 10003, msg: 'invalid param' }])
    const wrongSecret = await call('POST', PATHS.token, { body: { app_id: DEFAULT_APP_ID, app_secret: 'nope' } })
    expect([wrongSecret.status, wrongSecret.json]).toEqual([status, { code: 10014, msg: 'app secret invalid' }])
  })

  it('gives every answer its own log id', async () => {
    await start()
    const first = await call('POST', PATHS.token, { body: {} })
    const second = await call('POST', PATHS.token, { body: {} })
    expect(first.json['code']).toBe(10003)
    expect(first.headers.get('x-tt-logid')).not.toBe(second.headers.get('x-tt-logid'))
  })
})

describe('OKR periods', () => {
  it('creates a period, then refuses conflicts, misfits and unknown rules', async () => {
    const feishu = await start()
    const t = await token()
    const created = await create(t, '2027-01')
    expect(created.status).toBe(200)
    expect(created.json).toEqual({
      code: 0,
      msg: 'success',
      data: { period_id: expect.stringMatching(/^\d{19}$/), start_month: '2027-01', end_month: '2027-03' },
    })

    const yearly = await create(t, '2027-01', YEARLY)
    expect([yearly.status, yearly.json['code'], yearly.json['msg']]).toEqual([400, 1001008, 'Conflict period existed.'])
    const misfit = await create(t, '2027-02')
    expect([misfit.status, misfit.json['code']]).toEqual([400, 1001009])
    const unknownRule = await create(t, '2027-04', '42')
    expect([unknownRule.status, unknownRule.json['code'], unknownRule.json['msg']]).toEqual([
      400,
      1001004,
      'OKR data not found.',
    ])
    const badMonth = await create(t, '2027-13')
    expect([badMonth.status, badMonth.json['code']]).toEqual([400, 1001001])

    expect(feishu.periods()).toEqual([
      {
        id: created.json['data'].period_id,
        period_rule_id: QUARTERLY,
        start_month: '2027-01',
        end_month: '2027-03',
        zh_name: '2027 年 1 - 3 月',
        en_name: 'Jan - Mar 2027',
        status: 0,
      },
    ])
  })

  it('lets exactly one of two concurrent creates of the same month succeed', async () => {
    const feishu = await start()
    const t = await token()
    const replies = await Promise.all([create(t, '2027-04'), create(t, '2027-04')])
    expect(replies.map(r => r.json['code']).sort()).toEqual([0, 1001008])
    expect(feishu.periods()).toHaveLength(1)
  })

  it('pages through the list, newest first, with China-time period bounds', async () => {
    const months = ['2026-01', '2026-04', '2026-07', '2026-10', '2027-01']
    await start({ periods: months.map(start_month => ({ period_rule_id: QUARTERLY, start_month })) })
    const t = await token()
    const seen: Record<string, any>[] = []
    let pageToken: string | undefined
    let pages = 0
    do {
      const query = `?page_size=2${pageToken === undefined ? '' : `&page_token=${encodeURIComponent(pageToken)}`}`
      const reply = await call('GET', PATHS.periods + query, { token: t })
      expect(reply.json['code']).toBe(0)
      const data = reply.json['data']
      seen.push(...data.items)
      pageToken = data.has_more ? data.page_token : undefined
      if (!data.has_more) expect(data).not.toHaveProperty('page_token')
      pages++
    } while (pageToken !== undefined)

    expect(pages).toBe(3)
    expect(seen.map(item => item.en_name)).toEqual([
      'Jan - Mar 2027',
      'Oct - Dec 2026',
      'Jul - Sep 2026',
      'Apr - Jun 2026',
      'Jan - Mar 2026',
    ])
    expect(seen[0]).toMatchObject({ zh_name: '2027 年 1 - 3 月', status: 0 })
    expect(seen[0].period_start_time).toBe(String(Date.parse('2027-01-01T00:00:00+08:00')))
    expect(seen[0].period_end_time).toBe(String(Date.parse('2027-03-31T00:00:00+08:00')))
  })

  it('lists each seed with its own status, and with or without its bounds', async () => {
    const feishu = await start({
      periods: [
        { period_rule_id: QUARTERLY, start_month: '2026-01', id: '7000000000000000001', status: 3 },
        { period_rule_id: QUARTERLY, start_month: '2026-04', id: '7000000000000000002', status: 2, times: false },
        { period_rule_id: YEARLY, start_month: '2025-01', id: '7000000000000000003' },
      ],
    })
    const reply = await call('GET', PATHS.periods, { token: await token() })
    const items = reply.json['data'].items as Record<string, any>[]
    expect(items.map(item => [item.id, item.status, 'period_start_time' in item, 'period_end_time' in item])).toEqual([
      ['7000000000000000002', 2, false, false],
      ['7000000000000000001', 3, true, true],
      ['7000000000000000003', 0, true, true],
    ])
    expect(items[2]).toMatchObject({ zh_name: '2025 年 1 - 12 月', en_name: 'Jan - Dec 2025' })
    expect(feishu.periods().map(period => period.status)).toEqual([3, 2, 0])
  })

  it('lists period rules', async () => {
    await start()
    const reply = await call('GET', PATHS.periodRules, { token: await token() })
    expect(reply.json['data'].period_rules).toContainEqual({
      period_rule_id: YEARLY,
      type: 'year',
      length: 12,
      first_month: 1,
    })
  })
})

describe('conflicts', () => {
  it('overlap (the default): any overlapping period conflicts, whatever its rule', async () => {
    const feishu = await start()
    const t = await token()
    expect((await create(t, '2027-04')).json['code']).toBe(0)
    const yearly = await create(t, '2027-01', YEARLY)
    expect([yearly.status, yearly.json['code']]).toEqual([400, 1001008])
    expect((await create(t, '2027-07')).json['code']).toBe(0)
    expect(feishu.periods().map(period => period.start_month)).toEqual(['2027-04', '2027-07'])
  })

  it('same-rule: only an overlapping period of the same rule conflicts', async () => {
    const feishu = await start({ conflicts: 'same-rule' })
    const t = await token()
    expect((await create(t, '2027-04')).json['code']).toBe(0)
    expect((await create(t, '2027-01', YEARLY)).json['code']).toBe(0)
    expect((await create(t, '2027-04')).json['code']).toBe(1001008)
    expect((await create(t, '2027-01', YEARLY)).json['code']).toBe(1001008)
    expect((await create(t, '2027-01')).json['code']).toBe(0)
    expect(feishu.periods().map(period => `${period.period_rule_id} ${period.start_month}`)).toEqual([
      `${QUARTERLY} 2027-04`,
      `${YEARLY} 2027-01`,
      `${QUARTERLY} 2027-01`,
    ])
  })

  it('refuses an unknown conflict mode', async () => {
    await expect(startEmulator({ conflicts: 'never' as 'overlap' })).rejects.toThrow(/conflicts/)
  })

  const history = [
    { period_rule_id: YEARLY, start_month: '2026-01' },
    ...['2026-01', '2026-04', '2026-07', '2026-10'].map(start_month => ({ period_rule_id: QUARTERLY, start_month })),
  ]

  it.each(['overlap', 'same-rule'] as const)(
    'seeds a yearly period and the quarters inside it in %s mode, and both refuse a new overlapping quarter',
    async conflicts => {
      const feishu = await start({ conflicts, periods: history })
      expect(feishu.periods()).toHaveLength(5)
      const t = await token()
      expect((await create(t, '2026-07')).json['code']).toBe(1001008)
      expect((await create(t, '2027-01')).json['code']).toBe(0)
    },
  )

  it('still wants seeds to fit their rule and have distinct ids', async () => {
    await expect(startEmulator({ periods: [{ period_rule_id: QUARTERLY, start_month: '2026-02' }] })).rejects.toThrow(
      /1001009/,
    )
    const id = '7000000000000000001'
    await expect(
      startEmulator({
        periods: [
          { period_rule_id: YEARLY, start_month: '2026-01', id },
          { period_rule_id: QUARTERLY, start_month: '2027-01', id },
        ],
      }),
    ).rejects.toThrow(/duplicate/)
    await expect(
      startEmulator({ periods: [{ period_rule_id: QUARTERLY, start_month: '2026-01', status: 4 as 0 }] }),
    ).rejects.toThrow(/status/)
  })
})

describe('the demo tenant', () => {
  it.each(['overlap', 'same-rule'] as const)(
    'holds 2026 as a year and as quarters, and the quarters of 2025, one hidden (%s)',
    async conflicts => {
      const feishu = await start({ ...DEMO_TENANT, conflicts })
      const periods = feishu.periods()
      expect(periods.filter(period => period.period_rule_id === YEARLY).map(period => period.start_month)).toEqual([
        '2026-01',
      ])
      expect(
        periods
          .filter(period => period.period_rule_id === QUARTERLY)
          .map(period => period.start_month)
          .sort(),
      ).toEqual(['2025-01', '2025-04', '2025-07', '2025-10', '2026-01', '2026-04', '2026-07', '2026-10'])
      expect(periods.filter(period => period.status === 3).map(period => period.start_month)).toEqual(['2025-01'])
      expect(new Set(periods.map(period => period.id)).size).toBe(periods.length)
      expect(periods.every(period => /^\d{19}$/.test(period.id))).toBe(true)

      const t = await token()
      const rules = await call('GET', PATHS.periodRules, { token: t })
      const ruleIds = (rules.json['data'].period_rules as { period_rule_id: string }[]).map(rule => rule.period_rule_id)
      expect(ruleIds).toEqual([QUARTERLY, YEARLY])
      expect((await create(t, '2026-04')).json['code']).toBe(1001008)
      expect((await create(t, '2027-01')).json['code']).toBe(0)
      expect((await create(t, '2027-01', YEARLY)).json['code']).toBe(conflicts === 'overlap' ? 1001008 : 0)
    },
  )
})

describe('changing a period status', () => {
  const id = '7000000000000000042'
  const seeded = { periods: [{ period_rule_id: QUARTERLY, start_month: '2026-01', id }] }

  function patch(accessToken: string | undefined, periodId: string, body: unknown): Promise<Reply> {
    return call('PATCH', PATHS.period(periodId), { ...(accessToken === undefined ? {} : { token: accessToken }), body })
  }

  it('hides a period, and the list and periods() show it', async () => {
    const feishu = await start(seeded)
    const t = await token()
    const reply = await patch(t, id, { status: 3 })
    expect([reply.status, reply.json]).toEqual([200, { code: 0, msg: 'success', data: { period_id: id, status: 3 } }])
    expect(feishu.periods()[0].status).toBe(3)
    const list = await call('GET', PATHS.periods, { token: t })
    expect(list.json['data'].items[0]).toMatchObject({ id, status: 3 })
    expect((await patch(t, id, { status: 1 })).json['data']).toEqual({ period_id: id, status: 1 })
    expect(feishu.periods()[0].status).toBe(1)
    expect(feishu.requests.at(-1)).toMatchObject({
      method: 'PATCH',
      path: `${PATHS.periods}/${id}`,
      body: { status: 1 },
    })
  })

  it('answers 1001004 for an unknown period', async () => {
    const feishu = await start(seeded)
    const reply = await patch(await token(), '7000000000000000043', { status: 2 })
    expect([reply.status, reply.json]).toEqual([400, { code: 1001004, msg: 'OKR data not found.' }])
    expect(feishu.periods()[0].status).toBe(0)
  })

  it.each([[{}], [{ status: 0 }], [{ status: 4 }], [{ status: '1' }], [{ status: 1.5 }], [[1]], ['status=1']])(
    'answers 1001001 for the body %j',
    async body => {
      const feishu = await start(seeded)
      const reply = await patch(await token(), id, body)
      expect([reply.status, reply.json['code']]).toEqual([400, 1001001])
      expect(feishu.periods()[0].status).toBe(0)
    },
  )

  it('makes the gateway checks of the other OKR calls', async () => {
    await start({ ...seeded, scopes: ['okr:okr:readonly'] })
    const denied = await patch(await token(), id, { status: 3 })
    expect([denied.status, denied.json['code']]).toEqual([400, 99991672])
    expect(denied.json['error'].permission_violations).toEqual([{ type: 'action_scope_required', subject: 'okr:okr' }])
    expect((await patch(undefined, id, { status: 3 })).json['code']).toBe(99991661)
    expect((await patch('t-forged', id, { status: 3 })).json['code']).toBe(99991663)
    await emulator!.close()
    await start({ ...seeded, edition: 'standard' })
    expect((await patch(await token(), id, { status: 3 })).json['code']).toBe(1000403)
  })

  it('serves no other method on a period, nor deeper paths', async () => {
    await start(seeded)
    const t = await token()
    expect((await call('GET', PATHS.period(id), { token: t })).status).toBe(404)
    expect((await call('DELETE', PATHS.period(id), { token: t })).status).toBe(404)
    expect((await call('PATCH', `${PATHS.period(id)}/status`, { token: t, body: { status: 3 } })).status).toBe(404)
  })
})

describe('gateway checks', () => {
  it('wants a token, and stops taking revoked ones', async () => {
    const feishu = await start()
    const missing = await call('GET', PATHS.periodRules)
    expect([missing.status, missing.json['code']]).toEqual([400, 99991661])
    expect(missing.json['error'].troubleshooter).toBe(
      `https://open.feishu.cn/search?log_id=${missing.json['error'].log_id}`,
    )

    const t = await token()
    expect((await call('GET', PATHS.periodRules, { token: t })).json['code']).toBe(0)
    feishu.revokeTokens()
    const revoked = await call('GET', PATHS.periodRules, { token: t })
    expect([revoked.status, revoked.json['code']]).toEqual([400, 99991663])
    expect((await call('GET', PATHS.periodRules, { token: await token() })).json['code']).toBe(0)
  })

  it('refuses a create without the okr:okr scope, but lets a read-only app list', async () => {
    await start({ scopes: ['okr:okr:readonly'] })
    const t = await token()
    const denied = await create(t, '2027-01')
    expect([denied.status, denied.json['code'], denied.json['msg']]).toEqual([
      400,
      99991672,
      'Access denied. One of the following scopes is required: [okr:okr].',
    ])
    expect(denied.json['error'].permission_violations).toEqual([{ type: 'action_scope_required', subject: 'okr:okr' }])
    expect((await call('GET', PATHS.periods, { token: t })).json['code']).toBe(0)
  })

  it('refuses the Standard edition', async () => {
    await start({ edition: 'standard' })
    const reply = await create(await token(), '2027-01')
    expect([reply.status, reply.json['code']]).toEqual([403, 1000403])
  })
})

describe('faults', () => {
  it('misbehaves `times` times, then answers normally', async () => {
    const feishu = await start()
    feishu.inject({ method: 'POST', path: PATHS.token, fault: 'status500', times: 2 })
    feishu.inject({ method: 'POST', path: PATHS.token, fault: 'ratelimit', resetSeconds: 7 })
    const body = { app_id: DEFAULT_APP_ID, app_secret: DEFAULT_APP_SECRET }
    for (let i = 0; i < 2; i++)
      expect((await call('POST', PATHS.token, { body })).json).toMatchObject({ code: 1009999 })
    const limited = await call('POST', PATHS.token, { body })
    expect([limited.status, limited.json['code'], limited.headers.get('x-ogw-ratelimit-reset')]).toEqual([
      429,
      99991400,
      '7',
    ])
    expect((await call('POST', PATHS.token, { body })).json['code']).toBe(0)
    expect(feishu.requests).toHaveLength(4)
  })

  it('lets `after` matching requests through first, counting those another fault took', async () => {
    const feishu = await start()
    const body = { app_id: DEFAULT_APP_ID, app_secret: DEFAULT_APP_SECRET }
    feishu.inject({ method: 'POST', path: PATHS.token, fault: 'status500', after: 2 })
    const codes: number[] = []
    for (let i = 0; i < 4; i++) codes.push((await call('POST', PATHS.token, { body })).json['code'])
    expect(codes).toEqual([0, 0, 1009999, 0])

    feishu.inject({ method: 'POST', path: PATHS.token, fault: 'status500' })
    feishu.inject({ method: 'POST', path: PATHS.token, fault: 'ratelimit', after: 1, times: 2 })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await call('POST', PATHS.token, { body })).status)
    expect(statuses).toEqual([500, 429, 429, 200])
    expect(() => feishu.inject({ method: 'GET', path: PATHS.periods, fault: 'hang', after: -1 })).toThrow(/after/)
  })

  it('matches every path under a prefix ending in /*, but not the prefix itself', async () => {
    const ids = ['7000000000000000001', '7000000000000000002', '7000000000000000003']
    const feishu = await start({
      periods: ids.map((id, i) => ({ period_rule_id: QUARTERLY, start_month: `202${i}-01`, id })),
    })
    const t = await token()
    feishu.inject({ method: 'PATCH', path: `${PATHS.periods}/*`, fault: 'status500', after: 1 })
    feishu.inject({ method: 'POST', path: `${PATHS.periods}/*`, fault: 'status500' })
    const patched: number[] = []
    for (const id of ids)
      patched.push((await call('PATCH', PATHS.period(id), { token: t, body: { status: 3 } })).status)
    expect(patched).toEqual([200, 500, 200])
    expect(feishu.periods().map(period => period.status)).toEqual([3, 0, 3])
    expect((await create(t, '2027-01')).json['code']).toBe(0)
  })

  it('answers a gateway fault with HTML', async () => {
    const feishu = await start()
    feishu.inject({ method: 'GET', path: PATHS.periodRules, fault: 'gateway' })
    const response = await fetch(feishu.url + PATHS.periodRules)
    expect(response.status).toBe(502)
    expect(response.headers.get('content-type')).toBe('text/html')
    expect(await response.text()).toContain('<h1>502 Bad Gateway</h1>')
  })

  it('cuts a JSON answer in half, still properly chunked', async () => {
    const feishu = await start()
    feishu.inject({ method: 'POST', path: PATHS.token, fault: 'truncated' })
    const response = await fetch(feishu.url + PATHS.token, {
      method: 'POST',
      body: JSON.stringify({ app_id: DEFAULT_APP_ID, app_secret: DEFAULT_APP_SECRET }),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('transfer-encoding')).toBe('chunked')
    const text = await response.text()
    expect(text.startsWith('{"code":0,')).toBe(true)
    expect(() => JSON.parse(text)).toThrow()
  })

  it('drops the connection on reset, and commits before dropping on commit-then-reset', async () => {
    const feishu = await start()
    const t = await token()
    feishu.inject({ method: 'POST', path: PATHS.periods, fault: 'reset' })
    await expect(create(t, '2027-01')).rejects.toThrow()
    expect(feishu.periods()).toHaveLength(0)

    feishu.inject({ method: 'post', path: PATHS.periods, fault: 'commit-then-reset' })
    await expect(create(t, '2027-01')).rejects.toThrow()
    expect(feishu.periods()).toHaveLength(1)
    expect((await create(t, '2027-01')).json['code']).toBe(1001008)
    expect(feishu.requests.filter(r => r.path === PATHS.periods)).toHaveLength(3)
  })

  it('hangs until the client gives up, and close() still ends promptly', async () => {
    const feishu = await start()
    feishu.inject({ method: 'GET', path: PATHS.periodRules, fault: 'hang' })
    await expect(fetch(feishu.url + PATHS.periodRules, { signal: AbortSignal.timeout(200) })).rejects.toThrow()
    feishu.inject({ method: 'GET', path: PATHS.periodRules, fault: 'hang' })
    const pending = fetch(feishu.url + PATHS.periodRules)
    pending.catch(() => undefined)
    while (feishu.requests.length < 2) await new Promise(resolve => setTimeout(resolve, 10))
    const closing = Date.now()
    await feishu.close()
    expect(Date.now() - closing).toBeLessThan(1000)
    await expect(pending).rejects.toThrow()
  })
})

describe('messages as the app bot', () => {
  const CARD = {
    header: { title: { tag: 'plain_text', content: 'OKR period opened' }, template: 'blue' },
    elements: [{ tag: 'div', text: { tag: 'lark_md', content: '**Jan - Mar 2027**' } }],
  }

  function send(
    accessToken: string | undefined,
    fields: Record<string, unknown> = {},
    query = '?receive_id_type=chat_id',
  ): Promise<Reply> {
    return call('POST', PATHS.messages + query, {
      ...(accessToken === undefined ? {} : { token: accessToken }),
      body: { receive_id: DEFAULT_CHAT_ID, msg_type: 'interactive', content: JSON.stringify(CARD), ...fields },
    })
  }

  it('delivers a card to a chat the bot is in, and answers with the message', async () => {
    const feishu = await start({ now: '2027-01-01T09:00:00+08:00' })
    expect(DEFAULT_SCOPES).toEqual(['okr:okr', 'im:message:send_as_bot'])
    const reply = await send(await token(), { uuid: 'okr-2027-01-run-1' })
    expect(reply.status).toBe(200)
    expect(reply.json).toMatchObject({ code: 0, msg: 'success' })
    const data = reply.json['data']
    expect(data).toMatchObject({
      message_id: expect.stringMatching(/^om_[0-9a-f]{32}$/),
      chat_id: DEFAULT_CHAT_ID,
      msg_type: 'interactive',
      create_time: String(Date.parse('2027-01-01T09:00:00+08:00')),
      sender: { id: DEFAULT_APP_ID, id_type: 'app_id', sender_type: 'app' },
      body: { content: JSON.stringify(CARD) },
    })
    expect(feishu.messages()).toEqual([
      {
        message_id: data.message_id,
        chat_id: DEFAULT_CHAT_ID,
        msg_type: 'interactive',
        content: CARD,
        uuid: 'okr-2027-01-run-1',
      },
    ])
    expect(feishu.requests.at(-1)).toMatchObject({ path: PATHS.messages, query: { receive_id_type: 'chat_id' } })
  })

  it('refuses a chat the bot is not in (230002) and a chat that does not exist (230001)', async () => {
    const feishu = await start({
      chats: [{ chat_id: 'oc_without_bot', bot_in_chat: false }, { chat_id: 'oc_with_bot' }],
    })
    const t = await token()
    const outside = await send(t, { receive_id: 'oc_without_bot' })
    expect([outside.status, outside.json['code'], outside.json['msg']]).toEqual([
      400,
      230002,
      'The bot can not be outside the group.',
    ])
    expect(outside.json['error'].log_id).toBe(outside.headers.get('x-tt-logid'))
    const unknown = await send(t, { receive_id: DEFAULT_CHAT_ID })
    expect([unknown.status, unknown.json['code'], unknown.json['msg']]).toEqual([
      400,
      230001,
      'Your request contains an invalid request parameter, ext=invalid receive_id',
    ])
    expect(feishu.messages()).toEqual([])
    expect((await send(t, { receive_id: 'oc_with_bot' })).json['code']).toBe(0)
    expect(feishu.messages().map(message => message.chat_id)).toEqual(['oc_with_bot'])
  })

  it('refuses every message when the bot capability is off (230006)', async () => {
    const feishu = await start({ botEnabled: false })
    const reply = await send(await token())
    expect([reply.status, reply.json['code'], reply.json['msg']]).toEqual([
      400,
      230006,
      'Bot ability is not activated.',
    ])
    expect(feishu.messages()).toEqual([])
  })

  it('wants im:message:send_as_bot or im:message, and a token, but not the OKR edition', async () => {
    await start({ scopes: ['okr:okr'] })
    const denied = await send(await token())
    expect([denied.status, denied.json['code'], denied.json['msg']]).toEqual([
      400,
      99991672,
      'Access denied. One of the following scopes is required: [im:message:send_as_bot, im:message].',
    ])
    expect(denied.json['error'].permission_violations).toEqual([
      { type: 'action_scope_required', subject: 'im:message:send_as_bot' },
      { type: 'action_scope_required', subject: 'im:message' },
    ])
    expect((await send(undefined)).json['code']).toBe(99991661)
    await emulator!.close()
    await start({ scopes: ['im:message'], edition: 'standard' })
    expect((await send(await token())).json['code']).toBe(0)
  })

  it('takes a request body of 30 KB, not a byte more (230025)', async () => {
    const feishu = await start()
    const t = await token()
    const sized = (bytes: number): Record<string, unknown> => {
      const fields = (text: string): Record<string, unknown> => ({
        receive_id: DEFAULT_CHAT_ID,
        msg_type: 'interactive',
        content: JSON.stringify({ elements: [{ tag: 'markdown', content: text }] }),
      })
      return fields('x'.repeat(bytes - Buffer.byteLength(JSON.stringify(fields('')))))
    }
    const tooLarge = await send(t, sized(30 * 1024 + 1))
    expect([tooLarge.status, tooLarge.json['code'], tooLarge.json['msg']]).toEqual([
      400,
      230025,
      'The length of the message content reaches its limit.',
    ])
    expect((await send(t, sized(30 * 1024))).json['code']).toBe(0)
    expect(feishu.messages()).toHaveLength(1)
  })

  it.each([
    ['no receive_id_type', {}, '', 99992402],
    ['an open_id', {}, '?receive_id_type=open_id', 230001],
    ['no receive_id', { receive_id: undefined }, undefined, 99992402],
    ['a text message', { msg_type: 'text', content: '{"text":"hi"}' }, undefined, 230001],
    ['content that is not a string', { content: CARD }, undefined, 99992402],
    ['content that is not JSON', { content: '{"header":' }, undefined, 230001],
    ['content that is not a JSON object', { content: '["a card"]' }, undefined, 230099],
    ['a uuid of 51 characters', { uuid: 'u'.repeat(51) }, undefined, 99992402],
    ['a uuid that is not a string', { uuid: 42 }, undefined, 99992402],
  ])('refuses %s', async (_what, fields, query, code) => {
    const feishu = await start()
    const reply = await send(await token(), fields, query)
    expect([reply.status, reply.json['code']]).toEqual([400, code])
    if (code === 99992402) expect(reply.json['error'].field_violations).toHaveLength(1)
    expect(feishu.messages()).toEqual([])
  })

  it('sends a uuid of 50 characters', async () => {
    const feishu = await start()
    expect((await send(await token(), { uuid: 'u'.repeat(50) })).json['code']).toBe(0)
    expect(feishu.messages()).toHaveLength(1)
  })

  it('answers the twin of a message delivered within the hour with that message, and sends nothing', async () => {
    const feishu = await start({ now: '2027-01-01T09:00:00Z' })
    const t = await token()
    const first = await send(t, { uuid: 'run-42' })
    feishu.setNow('2027-01-01T09:59:59Z')
    const twin = await send(t, { uuid: 'run-42' })
    expect(twin.json).toEqual(first.json)
    const other = await send(t, { uuid: 'run-43' })
    expect(other.json['data'].message_id).not.toBe(first.json['data'].message_id)
    const unnamed = [await send(t), await send(t)]
    expect(unnamed[0].json['data'].message_id).not.toBe(unnamed[1].json['data'].message_id)
    expect(feishu.messages().map(message => message.uuid)).toEqual(['run-42', 'run-43', undefined, undefined])

    feishu.setNow('2027-01-01T10:00:00Z')
    const later = await send(t, { uuid: 'run-42' })
    expect(later.json['data'].message_id).not.toBe(first.json['data'].message_id)
    expect(feishu.messages()).toHaveLength(5)
  })

  it('gives a retry whose first attempt was delivered but lost that first message', async () => {
    const feishu = await start()
    const t = await token()
    feishu.inject({ method: 'POST', path: PATHS.messages, fault: 'commit-then-reset' })
    await expect(send(t, { uuid: 'run-7' })).rejects.toThrow()
    const retry = await send(t, { uuid: 'run-7' })
    expect(retry.json['code']).toBe(0)
    expect(feishu.messages()).toEqual([expect.objectContaining({ message_id: retry.json['data'].message_id })])
  })

  it('does not let a refused message block its twin', async () => {
    const feishu = await start()
    const t = await token()
    expect((await send(t, { uuid: 'run-9', receive_id: 'oc_elsewhere' })).json['code']).toBe(230001)
    expect((await send(t, { uuid: 'run-9', content: '{' })).json['code']).toBe(230001)
    const delivered = await send(t, { uuid: 'run-9' })
    expect(delivered.json['code']).toBe(0)
    expect(feishu.messages()).toHaveLength(1)
  })
})

describe('group custom bot webhooks', () => {
  const NOW = '2027-01-01T01:00:00Z'
  const NOW_SECONDS = Date.parse(NOW) / 1000
  const CARD = { header: { title: { tag: 'plain_text', content: 'OKR period opened' } }, elements: [] }
  const TEXT = { msg_type: 'text', content: { text: 'Opened Jan - Mar 2027' } }

  /** Written out here, not imported, so that a signature the emulator gets wrong cannot pass. */
  function sign(timestamp: number | string, secret: string): string {
    return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64')
  }

  function post(token: string, body: unknown): Promise<Reply> {
    return call('POST', PATHS.webhook(token), { body })
  }

  it('accepts a card and a text without any token, and records them', async () => {
    const feishu = await start()
    const card = { msg_type: 'interactive', card: CARD }
    const reply = await post(DEFAULT_WEBHOOK_TOKEN, card)
    expect([reply.status, reply.json]).toEqual([200, { code: 0, msg: 'success', data: {} }])
    expect((await post(DEFAULT_WEBHOOK_TOKEN, TEXT)).json['code']).toBe(0)
    expect(feishu.webhookPosts()).toEqual([
      { token: DEFAULT_WEBHOOK_TOKEN, body: card },
      { token: DEFAULT_WEBHOOK_TOKEN, body: TEXT },
    ])
    expect(feishu.requests.map(request => request.path)).toEqual([
      `/open-apis/bot/v2/hook/${DEFAULT_WEBHOOK_TOKEN}`,
      `/open-apis/bot/v2/hook/${DEFAULT_WEBHOOK_TOKEN}`,
    ])
  })

  it('answers an unknown token with 19001, over HTTP 200', async () => {
    const feishu = await start()
    const reply = await post('00000000-0000-0000-0000-000000000000', TEXT)
    expect([reply.status, reply.json]).toEqual([
      200,
      { code: 19001, msg: 'param invalid: incoming webhook access token invalid', data: {} },
    ])
    expect(feishu.webhookPosts()).toEqual([])
    expect((await call('GET', PATHS.webhook(DEFAULT_WEBHOOK_TOKEN))).status).toBe(404)
  })

  it.each([
    ['a post message', { msg_type: 'post', content: { post: {} } }],
    ['a card given as a string', { msg_type: 'interactive', card: JSON.stringify(CARD) }],
    ['a text without text', { msg_type: 'text', content: {} }],
    ['no msg_type', { card: CARD }],
    ['a body that is not JSON', 'msg_type=text'],
    ['a body over 20 KB', { msg_type: 'text', content: { text: 'x'.repeat(20 * 1024) } }],
  ])('answers %s with 9499', async (_what, body) => {
    const feishu = await start()
    const reply = await post(DEFAULT_WEBHOOK_TOKEN, body)
    expect([reply.status, reply.json]).toEqual([200, { code: 9499, msg: 'Bad Request', data: {} }])
    expect(feishu.webhookPosts()).toEqual([])
  })

  describe('with a secret', () => {
    const secret = 'webhook-secret-1'
    const token = 'a0b1c2d3-0000-4000-8000-00000000000a'

    it.each([
      ['a string timestamp', String(NOW_SECONDS)],
      ['a number timestamp', NOW_SECONDS],
      ['a timestamp an hour old', String(NOW_SECONDS - 3600)],
      ['a timestamp an hour ahead', String(NOW_SECONDS + 3600)],
    ])('accepts a post signed with %s', async (_what, timestamp) => {
      const feishu = await start({ now: NOW, webhooks: [{ token, secret }] })
      const body = { timestamp, sign: sign(timestamp, secret), ...TEXT }
      expect((await post(token, body)).json).toEqual({ code: 0, msg: 'success', data: {} })
      expect(feishu.webhookPosts()).toEqual([{ token, body }])
    })

    const stamp = String(NOW_SECONDS)
    it.each([
      ['a wrong secret', { timestamp: stamp, sign: sign(stamp, 'other-secret') }],
      ['no sign', { timestamp: stamp }],
      ['no timestamp', { sign: sign(stamp, secret) }],
      [
        'key and message swapped',
        { timestamp: stamp, sign: createHmac('sha256', secret).update(`${stamp}\n${secret}`).digest('base64') },
      ],
      [
        'a timestamp in milliseconds',
        { timestamp: String(NOW_SECONDS * 1000), sign: sign(NOW_SECONDS * 1000, secret) },
      ],
      ['a stale timestamp', { timestamp: String(NOW_SECONDS - 3601), sign: sign(NOW_SECONDS - 3601, secret) }],
      ['a timestamp too far ahead', { timestamp: String(NOW_SECONDS + 3601), sign: sign(NOW_SECONDS + 3601, secret) }],
    ])('refuses %s with 19021', async (_what, signature) => {
      const feishu = await start({ now: NOW, webhooks: [{ token, secret }] })
      const reply = await post(token, { ...signature, ...TEXT })
      expect([reply.status, reply.json]).toEqual([
        200,
        { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time', data: {} },
      ])
      expect(feishu.webhookPosts()).toEqual([])
    })

    it('reads the real clock without a now option', async () => {
      await start({ webhooks: [{ token, secret }] })
      const timestamp = String(Math.floor(Date.now() / 1000))
      expect((await post(token, { timestamp, sign: sign(timestamp, secret), ...TEXT })).json['code']).toBe(0)
      expect((await post(token, { timestamp: stamp, sign: sign(stamp, secret), ...TEXT })).json['code']).toBe(19021)
    })
  })

  it('wants a keyword in the text, or anywhere in the card', async () => {
    const token = 'b0b1c2d3-0000-4000-8000-00000000000b'
    const feishu = await start({ webhooks: [{ token, keyword: 'OKR' }] })
    const missing = await post(token, { msg_type: 'text', content: { text: 'Opened Jan - Mar 2027' } })
    expect([missing.status, missing.json]).toEqual([200, { code: 19024, msg: 'Key Words Not Found', data: {} }])
    expect((await post(token, { msg_type: 'interactive', card: { elements: [] } })).json['code']).toBe(19024)
    expect((await post(token, { msg_type: 'text', content: { text: 'OKR: Jan - Mar 2027' } })).json['code']).toBe(0)
    expect((await post(token, { msg_type: 'interactive', card: CARD })).json['code']).toBe(0)
    expect(feishu.webhookPosts()).toHaveLength(2)
  })
})

describe('untrusted answers', () => {
  it('honour `after` and paths ending in /*', async () => {
    const ids = ['7000000000000000001', '7000000000000000002']
    const feishu = await start({
      periods: ids.map((id, i) => ({ period_rule_id: QUARTERLY, start_month: `202${i}-01`, id })),
    })
    const t = await token()
    const body = { code: 0, msg: 'success', data: { period_id: '<script>', status: 3 } }
    feishu.inject({ method: 'PATCH', path: `${PATHS.periods}/*`, fault: 'answer', body, after: 1 })
    feishu.inject({ method: 'GET', path: PATHS.periodRules, fault: 'huge', bytes: 1000, after: 1 })
    const first = await call('PATCH', PATHS.period(ids[0]), { token: t, body: { status: 3 } })
    const second = await call('PATCH', PATHS.period(ids[1]), { token: t, body: { status: 3 } })
    expect([first.json['data'], second.json]).toEqual([{ period_id: ids[0], status: 3 }, body])
    expect(feishu.periods().map(period => period.status)).toEqual([3, 0])
    expect((await call('GET', PATHS.periodRules, { token: t })).json['code']).toBe(0)
    const huge = await fetch(feishu.url + PATHS.periodRules, { headers: { Authorization: `Bearer ${t}` } })
    expect((await huge.text()).length).toBe(1000)
  })

  it('huge: sends `bytes` bytes with a Content-Length, shaped like a Feishu answer', async () => {
    const feishu = await start()
    feishu.inject({ method: 'POST', path: PATHS.token, fault: 'huge', bytes: 65_537, times: 1 })
    const small = await fetch(feishu.url + PATHS.token, { method: 'POST', body: '{}' })
    expect([small.status, small.headers.get('content-type'), small.headers.get('content-length')]).toEqual([
      200,
      'application/json; charset=utf-8',
      '65537',
    ])
    const text = await small.text()
    expect(text).toHaveLength(65_537)
    expect(JSON.parse(text)).toEqual({ code: 0, msg: 'x'.repeat(65_537 - '{"code":0,"msg":""}'.length) })

    feishu.inject({ method: 'POST', path: PATHS.token, fault: 'huge' })
    const big = await fetch(feishu.url + PATHS.token, { method: 'POST', body: '{}' })
    expect(big.headers.get('content-length')).toBe(String(8 * 1024 * 1024))
    const body = Buffer.from(await big.arrayBuffer())
    expect(body.length).toBe(8 * 1024 * 1024)
    expect(body.subarray(0, 17).toString()).toBe('{"code":0,"msg":"')
    expect(body.subarray(-3).toString()).toBe('x"}')
    expect(feishu.requests).toHaveLength(2)
  })

  it('huge: stops when the client goes away, and close() still ends promptly', async () => {
    const feishu = await start()
    feishu.inject({ method: 'GET', path: PATHS.periodRules, fault: 'huge', bytes: 64 * 1024 * 1024 })
    const controller = new AbortController()
    const response = await fetch(feishu.url + PATHS.periodRules, { signal: controller.signal })
    const reader = response.body!.getReader()
    await reader.read()
    controller.abort()
    const closing = Date.now()
    await feishu.close()
    expect(Date.now() - closing).toBeLessThan(1000)
  })

  it('endless: streams JSON-typed chunks until the client aborts, and close() still ends promptly', async () => {
    const feishu = await start()
    feishu.inject({ method: 'POST', path: PATHS.periods, fault: 'endless' })
    const controller = new AbortController()
    const response = await fetch(feishu.url + PATHS.periods, { method: 'POST', body: '{}', signal: controller.signal })
    expect([response.status, response.headers.get('content-type'), response.headers.get('transfer-encoding')]).toEqual([
      200,
      'application/json; charset=utf-8',
      'chunked',
    ])
    expect(response.headers.get('content-length')).toBeNull()
    const reader = response.body!.getReader()
    let received = 0
    let head = ''
    while (received <= 4 * 1024 * 1024) {
      const chunk = await reader.read()
      if (chunk.done) throw new Error('The endless answer ended')
      if (head === '') head = Buffer.from(chunk.value).subarray(0, 17).toString()
      received += chunk.value.length
    }
    expect(head).toBe('{"code":0,"msg":"')
    controller.abort()
    const closing = Date.now()
    await feishu.close()
    expect(Date.now() - closing).toBeLessThan(1000)
  })

  it('endless: waits for a client that does not read instead of buffering without bound', async () => {
    const feishu = await start()
    feishu.inject({ method: 'GET', path: PATHS.periodRules, fault: 'endless' })
    const { port } = new URL(feishu.url)
    const socket = connect(Number(port), '127.0.0.1')
    socket.on('error', () => undefined)
    await new Promise(resolve => socket.once('connect', resolve))
    let received = 0
    socket.on('data', (chunk: Buffer) => (received += chunk.length))
    socket.write(`GET ${PATHS.periodRules} HTTP/1.1\r\nHost: localhost\r\n\r\n`)
    while (received === 0) await new Promise(resolve => setTimeout(resolve, 5))
    socket.pause()
    const before = process.memoryUsage().arrayBuffers
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
    socket.destroy()
  })

  it('answer: sends any JSON body verbatim, with the status given, and does nothing else', async () => {
    const feishu = await start()
    const t = await token()
    const body = {
      code: 0,
      msg: 'success\u001b[31m',
      data: { period_id: '123\n::set-output name=x::y', start_month: '<b>2027-01</b>', end_month: '2027-03' },
    }
    feishu.inject({ method: 'POST', path: PATHS.periods, fault: 'answer', body })
    const reply = await create(t, '2027-01')
    expect([reply.status, reply.json]).toEqual([200, body])
    expect(feishu.periods()).toEqual([])

    feishu.inject({ method: 'POST', path: PATHS.periods, fault: 'answer', status: 503, body: ['not', 'an', 'object'] })
    const response = await fetch(feishu.url + PATHS.periods, { method: 'POST', body: '{}' })
    expect([response.status, await response.text()]).toEqual([503, '["not","an","object"]'])
    expect(() => feishu.inject({ method: 'POST', path: PATHS.periods, fault: 'answer' })).toThrow(/body/)
  })
})

describe('requests', () => {
  it('records method, path, query, headers and parsed body', async () => {
    const feishu = await start()
    await call('GET', `${PATHS.periods}?page_size=5`, { token: 'x' })
    await call('POST', '/nowhere', { body: { a: 1 } })
    expect(feishu.requests[0]).toMatchObject({
      method: 'GET',
      path: PATHS.periods,
      query: { page_size: '5' },
      body: undefined,
    })
    expect(feishu.requests[0].headers['authorization']).toBe('Bearer x')
    expect(feishu.requests[1]).toMatchObject({ method: 'POST', path: '/nowhere', body: { a: 1 } })
    expect(typeof feishu.requests[1].receivedAt).toBe('number')
  })

  it('answers unknown paths with a JSON 404', async () => {
    await start()
    const reply = await call('GET', '/open-apis/okr/v1/nothing')
    expect([reply.status, reply.json]).toEqual([404, { code: 404, msg: '404 page not found' }])
  })
})
