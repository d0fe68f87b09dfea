import * as core from '@actions/core'

/**
 * The one place where text that came from a server (or may quote a secret) is made safe to show in a log line,
 * an annotation, an output or the job summary. Servers are untrusted: a private deployment, a proxy or a
 * broken gateway can answer anything, including terminal escape sequences, runner commands and our secrets.
 */

/** Longest server text shown in one place; Feishu's own msgs are far shorter. */
export const MAX_SHOWN_CHARS = 200

const secrets = new Set<string>()

/**
 * Masks `value` in the runner's log and cuts it out of everything `clean` returns, also as a server would quote it:
 * escaped in JSON, in HTML, or in a URL.
 */
export function addSecret(value: string): void {
  if (value === '') return
  core.setSecret(value)
  const json = JSON.stringify(value).slice(1, -1)
  const html = (text: string): string =>
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;')
  for (const form of [value, json, html(value), html(json), encodeURIComponent(value)]) secrets.add(form)
}

// ESC-introduced sequences (CSI, OSC, and two-character escapes), as a terminal would read them.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ESCAPE_SEQUENCES = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_]?)/g
const LINE_BREAKS = /[\r\n\t\v\f\u0085\u2028\u2029]+/g
// Control, format (bidi overrides, zero-width) and private-use characters, and lone surrogates.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/gu
const SECRET_FIELD = '(?:tenant_access_token|app_access_token|access_token|app_secret|secret|sign)'
const SHAPES: [RegExp, string][] = [
  [new RegExp(`"(${SECRET_FIELD})"\\s*:\\s*"[^"]*"?`, 'gi'), '"$1":"***"'],
  [new RegExp(`(&quot;${SECRET_FIELD}&quot;\\s*:\\s*&quot;)(?:(?!&quot;).)*`, 'gi'), '$1***'],
  [new RegExp(`\\b(${SECRET_FIELD}\\s*=\\s*)[^\\s&,;]*`, 'gi'), '$1***'],
  [/\b[tu]-[A-Za-z0-9_-]{6,}/g, '***'],
  [/\b(Bearer\s+)\S+/gi, '$1***'],
  [/(\/bot\/v2\/hook\/)[^\s"'<>?#]+/g, '$1***'],
]

/**
 * `text` as something safe to show: escape sequences and invisible characters removed, on one line, the known
 * secrets and anything shaped like a token, a secret field or a webhook cut out (before shortening, so that no
 * part of one remains), nothing the runner would read as a workflow command, and at most `maxChars` long.
 */
export function clean(text: string, maxChars = MAX_SHOWN_CHARS): string {
  let safe = text.replace(ESCAPE_SEQUENCES, '').replace(LINE_BREAKS, ' ').replace(INVISIBLE, '')
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) safe = safe.split(secret).join('***')
  for (const [shape, replacement] of SHAPES) safe = safe.replace(shape, replacement)
  // Runner commands start with "::" (or the older "##["); broken apart, they are plain text.
  safe = safe.replace(/::/g, ': :').replace(/##\[/g, '## [').replace(/ {2,}/g, ' ').trim()
  const chars = [...safe]
  return chars.length > maxChars ? `${chars.slice(0, maxChars - 1).join('')}…` : safe
}

/** An id as Feishu makes them: a string of digits, or a number that JSON.parse read exactly. */
export function digitsId(value: unknown): string | undefined {
  if (typeof value === 'string') return /^\d{1,30}$/.test(value) ? value : undefined
  return Number.isSafeInteger(value) && (value as number) >= 0 ? String(value) : undefined
}
