/**
 * The announcement's text and card. The text is the user's (`notify_text`) with placeholders for the periods;
 * everything else in the card is ours, and the ids in it are strings of digits, checked where they were read.
 */

export interface AnnouncedPeriod {
  /** Empty when Feishu gave no usable id. */
  id: string
  startMonth: string
  endMonth: string
}

export interface CardContext {
  periods: AnnouncedPeriod[]
  /** The workflow run's page, when the action runs on a runner. */
  runUrl?: string
}

/** What each placeholder stands for; the first period's fields for the singular ones. */
const PLACEHOLDERS: Record<string, (context: CardContext) => string> = {
  start_month: ({ periods }) => periods[0]?.startMonth ?? '',
  end_month: ({ periods }) => periods[0]?.endMonth ?? '',
  period_id: ({ periods }) => periods[0]?.id ?? '',
  periods: ({ periods }) => periods.map(p => `${p.startMonth} – ${p.endMonth}`).join(', '),
  last_end_month: ({ periods }) => periods.at(-1)?.endMonth ?? '',
  count: ({ periods }) => String(periods.length),
  run_url: ({ runUrl }) => runUrl ?? '',
}

export const PLACEHOLDER_NAMES = Object.keys(PLACEHOLDERS)

export const DEFAULT_TEXT =
  '新的 OKR 周期已开启：{periods}。请填写你的 OKR。\nThe new OKR period is open: {periods}. Please set your OKRs.'

/** Longest `notify_text`: a card's request may be at most 30 KB, and an announcement is a few lines. */
export const MAX_TEXT_CHARS = 2000

/** The placeholders in `template` that do not exist; `{{` and `}}` stand for literal braces. */
export function unknownPlaceholders(template: string): string[] {
  const names = [...template.replace(/\{\{|\}\}/g, '').matchAll(/\{([^{}]*)\}/g)].map(match => match[1] ?? '')
  return names.filter(name => !(name in PLACEHOLDERS))
}

export function renderText(template: string, context: CardContext): string {
  return template.replace(/\{\{|\}\}|\{(\w+)\}/g, (whole, name: string | undefined) =>
    name === undefined ? whole[0] : (PLACEHOLDERS[name]?.(context) ?? whole),
  )
}

/** An interactive card: a title, and the text as Feishu's lark_md. */
export function buildCard(text: string): Record<string, unknown> {
  return {
    config: { wide_screen_mode: true },
    header: { title: { tag: 'plain_text', content: 'OKR 周期已开启 · OKR period open' }, template: 'blue' },
    elements: [{ tag: 'div', text: { tag: 'lark_md', content: text } }],
  }
}
