/** Reading JSON whose shape the platform does not promise. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The object, or an empty one when `value` is anything else, so that its fields can be read as unknowns. */
export function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {}
}

export function array(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : []
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}
