/** The bundles `npm run bench` times: built by `npm run package`'s own ncc command, and what they hold. */
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { REPO_ROOT } from '../../emulator/runner.js'
import { runTimed } from './measure.js'

/**
 * Bundles `entry` with `npm run package`'s own ncc command, only the entry and output directory swapped,
 * so the floor and the action cannot drift apart in flags.
 */
export async function bundle(entry: string, outDir: string, extraArgs: string[] = []): Promise<string> {
  const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>
  }
  const script = manifest.scripts?.['package'] ?? ''
  const words = script.trim().split(/\s+/)
  const out = words.findIndex(word => word === '-o' || word === '--out')
  if (
    words[0] !== 'ncc' ||
    words[1] !== 'build' ||
    words[2] === undefined ||
    words[2].startsWith('-') ||
    out < 0 ||
    words[out + 1] === undefined
  ) {
    throw new Error(`bench: cannot read the ncc command in package.json's "package" script: ${JSON.stringify(script)}`)
  }
  const args = [...words.slice(2)]
  args[0] = entry
  args[out - 1] = outDir
  await rm(outDir, { recursive: true, force: true })
  const cli = join(REPO_ROOT, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')
  const run = await runTimed([cli, 'build', ...args, ...extraArgs], { ...process.env }, REPO_ROOT)
  if (run.exitCode !== 0)
    throw new Error(`bench: ncc build ${entry} failed (exit ${run.exitCode}):\n${run.stdout}${run.stderr}`)
  return join(outDir, 'index.js')
}

/** Bytes of module source in the bundle, by package; webpack's figures, before ncc's wrapping. */
export async function bundleComposition(statsFile: string): Promise<Array<[string, number]>> {
  interface StatsModule {
    name?: string
    size?: number
    modules?: StatsModule[]
  }
  const stats = JSON.parse(await readFile(statsFile, 'utf8')) as { modules?: StatsModule[] }
  // A concatenated module lists its parts, which webpack also lists on their own: count each name once.
  const seen = new Map<string, number>()
  const visit = (module: StatsModule): void => {
    if (module.modules) module.modules.forEach(visit)
    else if (module.name && !seen.has(module.name)) seen.set(module.name, module.size ?? 0)
  }
  stats.modules?.forEach(visit)
  const byPackage = new Map<string, number>()
  for (const [name, size] of seen) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(name)?.[1]
    const group =
      pkg ??
      (name.startsWith('./src/')
        ? 'src/ (the action)'
        : name.startsWith('external ')
          ? 'externals (node built-ins)'
          : 'webpack runtime')
    byPackage.set(group, (byPackage.get(group) ?? 0) + size)
  }
  return [...byPackage].sort((a, b) => b[1] - a[1])
}
