/** The platform's own codes (tokens, scopes, rate limits), and what the user can do about each. */

export const PLATFORM_CODES = {
  rateLimited: 99991400,
  tokenInvalid: 99991663,
  missingScope: 99991672,
  tokenLacksScope: 99991676,
} as const

/** Codes with which the token call refuses the app's credentials; its caller knows where they came from. */
export const CREDENTIAL_CODES = {
  unknownApp: 10003,
  secretInvalid: 10014,
  wrongSecret: 10015,
  wrongCredentials: 99991543,
} as const

const TOKEN_REJECTED =
  'Feishu rejected the tenant access token; re-run the job, and check that the base URL is that of the platform the app belongs to.'

const HINTS: Record<number, string> = {
  99991662: 'The app is disabled: enable it in the Feishu developer console.',
  99991673: 'The app is unavailable: check its status in the Feishu developer console.',
  99991661: TOKEN_REJECTED,
  99991663: TOKEN_REJECTED,
  99991671: TOKEN_REJECTED,
  99991401: "The runner's IP address is not on the app's IP allowlist: add it in the app's security settings.",
  99991403: "The app's monthly API quota is used up.",
  99991400: 'Feishu is rate limiting this app (every tool of the same app shares its budget); try again in a minute.',
}

/**
 * What the user can do about a platform code, or undefined for a code of an API (which that API's caller
 * explains). `scopes` are those the answer named, `needed` those the call needs.
 */
export function platformHint(code: number, scopes: readonly string[], needed: readonly string[]): string | undefined {
  if (code === PLATFORM_CODES.missingScope || code === PLATFORM_CODES.tokenLacksScope) {
    const names = scopes.length ? scopes : needed
    const which = names.length ? `the scope ${names.join(' or ')}` : 'the scope this call needs'
    return `Grant the app ${which} in the developer console ("Permissions & Scopes"), then publish a new version of the app so that the grant takes effect.`
  }
  return HINTS[code]
}
