/**
 * script/release.sh against a throwaway repository: a work tree in a temp dir whose `origin` is a bare
 * repository next to it, so that the pushed tags can be read back without any network. The script's rebuild
 * of dist/ is stood in for by RELEASE_BUILD_COMMAND.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SCRIPT = fileURLToPath(new URL('../../script/release.sh', import.meta.url))

const CHANGELOG = `# Changelog

All notable changes are listed here.

## [Unreleased]

- Something in the works.

## [1.3.0] - 2026-03-01

### Added

- A third thing.

## [1.2.3] - 2026-02-01

### Fixed

- The first fix.

- The second fix.

## [1.0.0] - 2026-01-01

- The first release.

[Unreleased]: https://example.com/compare/v1.3.0...HEAD
[1.3.0]: https://example.com/compare/v1.2.3...v1.3.0
`

/** Git without the user's or the system's configuration (no signing, no hooks), with a fixed identity. */
const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Release Test',
  GIT_AUTHOR_EMAIL: 'release-test@example.com',
  GIT_COMMITTER_NAME: 'Release Test',
  GIT_COMMITTER_EMAIL: 'release-test@example.com',
  GIT_TERMINAL_PROMPT: '0',
}

let dir: string
let work: string
let remote: string

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`)
  return result.stdout.trim()
}

/** The release script in the work tree; `build` stands in for `npm run package`. */
function release(args: string[] = [], build = 'true'): Run {
  const result = spawnSync('sh', [SCRIPT, ...args], {
    cwd: work,
    env: { ...GIT_ENV, RELEASE_BUILD_COMMAND: build },
    encoding: 'utf8',
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Tag name -> the commit it points to, as the bare remote has them. */
function remoteTags(): Record<string, string> {
  const out = git(remote, 'for-each-ref', '--format=%(refname:short) %(*objectname)%(objectname)', 'refs/tags')
  const tags: Record<string, string> = {}
  for (const line of out.split('\n').filter(Boolean)) {
    const [name, ids] = line.split(' ')
    // An annotated tag prints the commit (peeled) then the tag object; a lightweight one only the commit.
    tags[name] = ids.slice(0, 40)
  }
  return tags
}

function localTags(): string[] {
  return git(work, 'tag', '--list').split('\n').filter(Boolean).sort()
}

function write(file: string, text: string): void {
  writeFileSync(join(work, file), text)
}

/** Set the version, commit everything and push the branch, as a maintainer does before releasing. */
function commitVersion(version: string): string {
  write('package.json', JSON.stringify({ name: 'throwaway', version }, null, 2) + '\n')
  git(work, 'add', '-A')
  git(work, 'commit', '-q', '--allow-empty', '-m', `Version ${version}`)
  git(work, 'push', '-q', 'origin', 'HEAD:refs/heads/main')
  return git(work, 'rev-parse', 'HEAD')
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'release-test-'))
  remote = join(dir, 'remote.git')
  work = join(dir, 'work')
  git(dir, 'init', '-q', '--bare', remote)
  git(dir, 'init', '-q', '-b', 'main', work)
  git(work, 'remote', 'add', 'origin', remote)
  write('CHANGELOG.md', CHANGELOG)
  mkdirSync(join(work, 'dist'))
  write('dist/index.js', 'console.log("built")\n')
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('release: tags and pushes', () => {
  it('tags vX.Y.Z (annotated) and vX at HEAD and pushes both to origin', () => {
    const head = commitVersion('1.2.3')
    const run = release()
    expect(run.stderr).not.toContain('release:')
    expect(run.status).toBe(0)
    expect(run.stdout).toContain(`tagged v1.2.3 at ${head}, moved v1 to it, pushed both to origin`)
    expect(remoteTags()).toEqual({ v1: head, 'v1.2.3': head })
    expect(git(remote, 'cat-file', '-t', 'refs/tags/v1.2.3')).toBe('tag')
    expect(git(remote, 'for-each-ref', '--format=%(contents:subject)', 'refs/tags/v1.2.3')).toBe('v1.2.3')
  })

  it('moves the major tag to the next release and leaves the earlier one where it was', () => {
    const first = commitVersion('1.2.3')
    expect(release().status).toBe(0)
    const second = commitVersion('1.3.0')
    expect(second).not.toBe(first)
    const run = release()
    expect(run.status).toBe(0)
    expect(remoteTags()).toEqual({ v1: second, 'v1.2.3': first, 'v1.3.0': second })
  })

  it('rebuilds dist/ with RELEASE_BUILD_COMMAND before tagging', () => {
    commitVersion('1.2.3')
    const run = release([], 'echo rebuilt > "$(git rev-parse --show-toplevel)/build-ran"; true')
    // The marker is untracked: the build ran, and only dist/ is compared with the commit.
    expect(run.status).toBe(0)
    expect(git(work, 'status', '--porcelain')).toBe('?? build-ran')
  })
})

describe('release: refusals (nothing is tagged or pushed)', () => {
  function expectRefused(run: Run, message: RegExp): void {
    expect(run.status).not.toBe(0)
    expect(run.stderr).toMatch(message)
    expect(remoteTags()).toEqual({})
    expect(localTags()).toEqual([])
  }

  it('refuses a work tree with a modified file', () => {
    commitVersion('1.2.3')
    write('CHANGELOG.md', CHANGELOG + '\nmore\n')
    expectRefused(release(), /^release: the work tree has uncommitted changes/m)
  })

  it('refuses a work tree with an untracked file', () => {
    commitVersion('1.2.3')
    write('notes.txt', 'draft\n')
    expectRefused(release(), /uncommitted changes/)
  })

  it('refuses a stale dist/ (the rebuild changes it)', () => {
    commitVersion('1.2.3')
    const run = release([], 'echo \'console.log("newer")\' > dist/index.js')
    expectRefused(run, /^release: dist\/ is stale/m)
    expect(run.stderr).toContain('M dist/index.js')
  })

  it('refuses a rebuild that adds a file to dist/', () => {
    commitVersion('1.2.3')
    expectRefused(release([], 'echo x > dist/extra.js'), /dist\/ is stale/)
  })

  it('refuses when the rebuild fails', () => {
    commitVersion('1.2.3')
    expectRefused(release([], 'exit 3'), /^release: rebuilding dist\/ failed/m)
  })

  it('refuses a version whose tag exists here', () => {
    const head = commitVersion('1.2.3')
    git(work, 'tag', 'v1.2.3')
    const run = release()
    expect(run.status).not.toBe(0)
    expect(run.stderr).toMatch(/^release: tag v1\.2\.3 exists already/m)
    expect(remoteTags()).toEqual({})
    expect(localTags()).toEqual(['v1.2.3'])
    expect(git(work, 'rev-parse', 'v1.2.3')).toBe(head)
  })

  it('refuses a version whose tag exists on origin only', () => {
    const first = commitVersion('1.2.3')
    git(work, 'push', '-q', 'origin', `${first}:refs/tags/v1.2.3`)
    commitVersion('1.2.3') // another commit, same version
    const run = release()
    expect(run.status).not.toBe(0)
    expect(run.stderr).toMatch(/tag v1\.2\.3 exists already on origin/)
    expect(remoteTags()).toEqual({ 'v1.2.3': first })
    expect(localTags()).toEqual([])
  })

  it('refuses a version without a CHANGELOG.md section', () => {
    commitVersion('1.4.0')
    expectRefused(release(), /^release: CHANGELOG\.md has no section for 1\.4\.0/m)
  })

  it.each(['1.2', '1.2.3-rc.1', 'v1.2.3', '01.2.3'])('refuses the version %s, which is not X.Y.Z', version => {
    commitVersion(version)
    expectRefused(release(), /is not X\.Y\.Z/)
  })

  it('puts the local tags back when the push fails, so that the release can be run again', () => {
    const head = commitVersion('1.2.3')
    git(work, 'tag', 'v1', head) // an earlier major tag, here only
    // A hook that rejects every push makes the (atomic) push fail after the remote was reached.
    writeFileSync(join(remote, 'hooks', 'pre-receive'), '#!/bin/sh\necho no >&2\nexit 1\n', { mode: 0o755 })
    git(work, 'commit', '-q', '--allow-empty', '-m', 'later')
    const later = git(work, 'rev-parse', 'HEAD')
    const run = release()
    expect(run.status).not.toBe(0)
    expect(run.stderr).toMatch(/^release: pushing v1\.2\.3 and v1 to origin failed/m)
    expect(localTags()).toEqual(['v1'])
    expect(git(work, 'rev-parse', 'v1')).toBe(head)
    expect(later).not.toBe(head)
    expect(remoteTags()).toEqual({})
  })
})

describe('release notes from CHANGELOG.md', () => {
  it('prints the section of a version, without its heading and the next section', () => {
    commitVersion('1.3.0')
    const run = release(['notes', '1.2.3'])
    expect(run.status).toBe(0)
    expect(run.stdout).toBe('### Fixed\n\n- The first fix.\n\n- The second fix.\n')
  })

  it("prints the section of package.json's version by default", () => {
    commitVersion('1.3.0')
    expect(release(['notes']).stdout).toBe('### Added\n\n- A third thing.\n')
  })

  it('leaves out the link definitions that follow the last section', () => {
    write('CHANGELOG.md', '## [1.0.0]\n\n- Only.\n\n[1.0.0]: https://example.com/v1.0.0\n')
    expect(release(['notes', '1.0.0']).stdout).toBe('- Only.\n')
  })

  it('fails for a version without a section', () => {
    const run = release(['notes', '9.9.9'])
    expect(run.status).not.toBe(0)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/^release: CHANGELOG\.md has no section for 9\.9\.9/m)
  })

  it('fails for a section with a heading only', () => {
    write('CHANGELOG.md', '## [2.0.0]\n\n## [1.0.0]\n\n- Only.\n')
    const run = release(['notes', '2.0.0'])
    expect(run.status).not.toBe(0)
    expect(run.stderr).toMatch(/has no section for 2\.0\.0/)
  })

  it('does not take a version for another that it starts with', () => {
    write('CHANGELOG.md', '## [1.2.30]\n\n- Not this.\n')
    expect(release(['notes', '1.2.3']).status).not.toBe(0)
  })

  it('prints the version of package.json, and rejects an unknown command', () => {
    commitVersion('1.3.0')
    expect(release(['version'])).toEqual({ status: 0, stdout: '1.3.0\n', stderr: '' })
    const run = release(['publish'])
    expect(run.status).not.toBe(0)
    expect(run.stderr).toMatch(/unknown command 'publish'/)
  })
})
