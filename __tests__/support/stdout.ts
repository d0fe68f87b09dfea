/** For unit tests of code that logs through @actions/core: what it wrote to stdout, captured per test. */
import { afterEach, beforeEach, jest } from '@jest/globals'

export function captureStdout(): { lines: () => string[] } {
  let written: string[] = []
  beforeEach(() => {
    written = []
    jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
      written.push(String(chunk))
      return true
    })
  })
  afterEach(() => {
    jest.restoreAllMocks()
  })
  return { lines: () => written.join('').split('\n') }
}
