/**
 * The announcement's text and card. The text is the user's (`notify_text`) with placeholders for the periods;
 * everything else in the card is ours, and the ids in it are strings of digits, checked where they were read.
 */

export interface AnnouncedPeriod {
  /** Empty when Feishu gave no usable id, or in a dry run that would create the period. */
  id: string
  startMonth: string
  endMonth: string
  /** Whether this run created it (in a dry run: whether a real run would). */
  created: boolean
}

export interface CardContext {
  periods: AnnouncedPeriod[]
  /** The workflow run's page, when the action runs on a runner. */
  runUrl?: string
}

/**
 * What each placeholder stands for; the first period's fields for the singular ones. A Map, not an object: a
 * name that every object has (`{constructor}`, `{__proto__}`) must not pass for a placeholder.
 */
const PLACEHOLDERS = new Map<string, (context: CardContext) => string>([
  ['start_month', ({ periods }) => periods[0]?.startMonth ?? ''],
  ['end_month', ({ periods }) => periods[0]?.endMonth ?? ''],
  ['period_id', ({ periods }) => periods[0]?.id ?? ''],
  ['periods', ({ periods }) => periods.map(p => `${p.startMonth} – ${p.endMonth}`).join(', ')],
  ['last_end_month', ({ periods }) => periods.at(-1)?.endMonth ?? ''],
  ['count', ({ periods }) => String(periods.length)],
  ['run_url', ({ runUrl }) => runUrl ?? ''],
])

export const PLACEHOLDER_NAMES = [...PLACEHOLDERS.keys()]

/** Worded to fit one period and several alike. */
export const DEFAULT_TEXT =
  '新的 OKR 周期已开启：{periods}。请填写你的 OKR。\nNow open for OKRs: {periods}. Please set yours.'

/** Longest `notify_text`: a card's request may be at most 30 KB, and an announcement is a few lines. */
export const MAX_TEXT_CHARS = 2000

/**
 * The most a card may take in a request, measured as the message API carries it (the card's JSON as a string
 * inside the request's JSON, where every quote and line break is escaped twice): well under Feishu's 30 KB for
 * a message, and under the 20 KB of a webhook post, which carries the card once. A text that fills in to more
 * (2000 characters of `{periods}` with 12 periods would) is cut short.
 */
export const MAX_CARD_BYTES = 16 * 1024

/** `{{` and `}}` (a literal brace), or a `{name}`: one reading for the check and for the rendering. */
const TOKENS = /\{\{|\}\}|\{([^{}]*)\}/g

/** The placeholders in `template` that do not exist. */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(TOKENS)]
    .map(match => match[1])
    .filter((name): name is string => name !== undefined && !PLACEHOLDERS.has(name))
}

export function renderText(template: string, context: CardContext): string {
  return template.replace(TOKENS, (whole, name: string | undefined) =>
    name === undefined ? whole[0] : (PLACEHOLDERS.get(name)?.(context) ?? whole),
  )
}

export interface Card {
  card: Record<string, unknown>
  /** Whether the text was cut short to fit MAX_CARD_BYTES. */
  shortened: boolean
}

/**
 * An interactive card: a title, and the text as Feishu's lark_md, cut short (ending in "…") when the card would
 * take more than MAX_CARD_BYTES. `count` is the number of periods it announces, for the title.
 */
export function buildCard(text: string, count: number): Card {
  const card = (content: string): Record<string, unknown> => ({
    config: { wide_screen_mode: true },
    header: {
      title: { tag: 'plain_text', content: `OKR 周期已开启 · OKR period${count === 1 ? '' : 's'} open` },
      template: 'blue',
    },
    elements: [{ tag: 'div', text: { tag: 'lark_md', content } }],
  })
  const whole = card(text)
  if (cardBytes(whole) <= MAX_CARD_BYTES) return { card: whole, shortened: false }
  // The longest start of the text (whole characters) that fits with the ellipsis.
  const chars = [...text]
  let [fits, tooLong] = [0, chars.length]
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2)
    if (cardBytes(card(`${chars.slice(0, middle).join('')}…`)) <= MAX_CARD_BYTES) fits = middle
    else tooLong = middle
  }
  return { card: card(`${chars.slice(0, fits).join('')}…`), shortened: true }
}

/** The card's size as the message API carries it: its JSON, as a JSON string. */
export function cardBytes(card: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(card)), 'utf8')
}
