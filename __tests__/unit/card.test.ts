import { describe, expect, it } from '@jest/globals'
import {
  type AnnouncedPeriod,
  buildCard,
  cardBytes,
  DEFAULT_TEXT,
  MAX_CARD_BYTES,
  MAX_TEXT_CHARS,
  PLACEHOLDER_NAMES,
  renderText,
  unknownPlaceholders,
} from '../../src/notify/card.js'

const Q1: AnnouncedPeriod = { id: '7000000000000000001', startMonth: '2027-01', endMonth: '2027-03', created: true }
const Q2: AnnouncedPeriod = { id: '7000000000000000002', startMonth: '2027-04', endMonth: '2027-06', created: true }
const Q3: AnnouncedPeriod = { id: '7000000000000000003', startMonth: '2027-07', endMonth: '2027-09', created: true }
const RUN = 'https://github.com/acme/okr/actions/runs/42'

/** The lark_md text of a card. */
function textOf(card: Record<string, unknown>): string {
  const [element] = card['elements'] as { text: { content: string } }[]
  return element.text.content
}

describe('one reading of braces for the check and the rendering', () => {
  it('a placeholder followed by a stray brace is checked as the renderer reads it', () => {
    expect(unknownPlaceholders('A {x}} B')).toEqual(['x'])
    expect(unknownPlaceholders('{period_id}} and {{literal}}')).toEqual([])
    expect(renderText('{period_id}} and {{literal}}', { periods: [Q1] })).toBe(`${Q1.id}} and {literal}`)
  })
})

describe('renderText', () => {
  it('fills in every placeholder, the singular ones from the first period', () => {
    const text = renderText('{start_month}|{end_month}|{period_id}|{periods}|{last_end_month}|{count}|{run_url}', {
      periods: [Q1, Q2, Q3],
      runUrl: RUN,
    })
    expect(text).toBe(
      `2027-01|2027-03|${Q1.id}|2027-01 – 2027-03, 2027-04 – 2027-06, 2027-07 – 2027-09|2027-09|3|${RUN}`,
    )
  })

  it('knows exactly the placeholders README lists', () => {
    expect([...PLACEHOLDER_NAMES].sort()).toEqual(
      ['count', 'end_month', 'last_end_month', 'period_id', 'periods', 'run_url', 'start_month'].sort(),
    )
  })

  it('fills in the same placeholder as often as it appears', () => {
    expect(renderText('{count}{count} {count}', { periods: [Q1, Q2] })).toBe('22 2')
  })

  it('an empty run_url outside a runner, an empty period_id when there is no id', () => {
    expect(renderText('[{run_url}][{period_id}]', { periods: [{ ...Q1, id: '' }] })).toBe('[][]')
  })

  it.each([
    ['{{literal}}', '{literal}'],
    ['{{periods}}', '{periods}'],
    ['{{{count}}}', '{1}'],
    ['a }} b {{ c', 'a } b { c'],
    ['{{}}', '{}'],
  ])('%s is %s: doubled braces are literal ones', (template, expected) => {
    expect(renderText(template, { periods: [Q1] })).toBe(expected)
  })

  it('leaves a lone brace as it is', () => {
    expect(renderText('a { b } c', { periods: [Q1] })).toBe('a { b } c')
  })

  it('never calls what an object inherits', () => {
    const names = ['{constructor}', '{toString}', '{__proto__}', '{hasOwnProperty}', '{valueOf}']
    const template = names.join(' ')
    expect(renderText(template, { periods: [Q1] })).toBe(template)
  })

  it('adds no text of its own around a placeholder: Markdown of the user stays as it is', () => {
    expect(renderText('**{start_month}** – [run]({run_url})', { periods: [Q1], runUrl: RUN })).toBe(
      `**2027-01** – [run](${RUN})`,
    )
  })
})

describe('unknownPlaceholders', () => {
  it('none in the default text, nor in one that uses every placeholder', () => {
    expect(unknownPlaceholders(DEFAULT_TEXT)).toEqual([])
    expect(unknownPlaceholders(PLACEHOLDER_NAMES.map(name => `{${name}}`).join(' '))).toEqual([])
  })

  it('names each unknown one, in order', () => {
    expect(unknownPlaceholders('Hi {who}, {periods} by {when}')).toEqual(['who', 'when'])
  })

  it.each(['{Periods}', '{ periods }', '{start-month}', '{}', '{月份}'])('%s is unknown', template => {
    expect(unknownPlaceholders(template)).toHaveLength(1)
  })

  it.each(['{constructor}', '{toString}', '{__proto__}', '{hasOwnProperty}'])(
    '%s, which every object has, is unknown',
    template => {
      expect(unknownPlaceholders(template)).toEqual([template.slice(1, -1)])
    },
  )

  it('a doubled brace is literal, so what it encloses is not a placeholder', () => {
    expect(unknownPlaceholders('{{who}} and {{ }}')).toEqual([])
    expect(unknownPlaceholders('{{{who}}}')).toEqual(['who'])
  })
})

describe('the default text', () => {
  it('is in Chinese and in English, and names the periods in both', () => {
    const text = renderText(DEFAULT_TEXT, { periods: [Q1, Q2] })
    const [chinese, english] = text.split('\n')
    expect(chinese).toMatch(/[\u4e00-\u9fff]/)
    expect(english).toMatch(/^[\x20-\x7e–]+$/)
    for (const line of [chinese, english]) expect(line).toContain('2027-01 – 2027-03, 2027-04 – 2027-06')
  })

  it('fits the limit on notify_text', () => {
    expect([...DEFAULT_TEXT].length).toBeLessThanOrEqual(MAX_TEXT_CHARS)
  })
})

describe('buildCard', () => {
  it('a card Feishu reads: a plain-text title, a colour, and the text as lark_md', () => {
    const { card, shortened } = buildCard('**2027-01** is open', 1)
    expect(shortened).toBe(false)
    expect(card).toEqual({
      config: { wide_screen_mode: true },
      header: { title: { tag: 'plain_text', content: 'OKR 周期已开启 · OKR period open' }, template: 'blue' },
      elements: [{ tag: 'div', text: { tag: 'lark_md', content: '**2027-01** is open' } }],
    })
  })

  it('a title in the plural for several periods', () => {
    const { card } = buildCard('x', 3)
    expect(card).toMatchObject({ header: { title: { content: 'OKR 周期已开启 · OKR periods open' } } })
  })

  it('survives being sent as a string and read back', () => {
    const { card } = buildCard('引号 " 反斜杠 \\ 换行\n', 1)
    expect(JSON.parse(JSON.stringify(card))).toEqual(card)
    expect(textOf(card)).toBe('引号 " 反斜杠 \\ 换行\n')
  })

  it('measures a card as the message API carries it: the JSON of its JSON', () => {
    const card = { a: '"\n' }
    // {"a":"\"\n"} → "{\"a\":\"\\\"\\n\"}"
    expect(cardBytes(card)).toBe(Buffer.byteLength('"{\\"a\\":\\"\\\\\\"\\\\n\\"}"'))
  })

  it.each([
    [
      'placeholders filled in far beyond the limit',
      renderText('{periods}\n'.repeat(200), { periods: Array(12).fill(Q1) }),
    ],
    ['quotes, each escaped twice', '"'.repeat(MAX_TEXT_CHARS * 3)],
    ['Chinese, three bytes each', '周'.repeat(MAX_CARD_BYTES)],
    ['characters outside the BMP', '🎯'.repeat(MAX_CARD_BYTES)],
  ])('%s: cut short to fit, ending in an ellipsis, never splitting a character', (_, text) => {
    const { card, shortened } = buildCard(text, 1)
    expect(shortened).toBe(true)
    expect(cardBytes(card)).toBeLessThanOrEqual(MAX_CARD_BYTES)
    const content = textOf(card)
    expect(content).toMatch(/…$/)
    expect(text.startsWith(content.slice(0, -1))).toBe(true)
    expect(content).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/)
    // As long as it can be: one character more would not fit.
    const longer = `${[...text].slice(0, [...content].length).join('')}…`
    const elements = [{ tag: 'div', text: { tag: 'lark_md', content: longer } }]
    expect(cardBytes({ ...card, elements })).toBeGreaterThan(MAX_CARD_BYTES)
  })

  it('the longest notify_text of plain characters fits whole, far below the 30 KB of a message', () => {
    const { card, shortened } = buildCard('周'.repeat(MAX_TEXT_CHARS), 12)
    expect(shortened).toBe(false)
    expect(cardBytes(card)).toBeLessThan(MAX_CARD_BYTES)
    expect(MAX_CARD_BYTES).toBeLessThanOrEqual(20 * 1024 - 1024)
  })
})
