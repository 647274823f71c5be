/**
 * The code layout's rules (README "Code layout"), checked by reading every import in the repository, so the
 * layout stays as it is described. Each rule names the file and import that break it.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..')

/** Folders besides `index.ts` a runtime may import directly: adapters that load a platform's own library. */
const PLATFORM_FACES: Record<string, string[]> = {
  'src/store': ['sqlite.ts', 'indexeddb.ts']
}
/** The one import of benchmark code by the app: `window.zentalk.bench()` loads the in-tab benchmarks on demand. */
const BENCH_LOADER = { from: 'src/ui/main.ts', to: 'bench/tab/index.ts', dynamic: true }

interface Import { from: string, to: string, dynamic: boolean, names: string[] }

function sourceFiles (dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sourceFiles(path))
    else if (/\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path.split(sep).join('/'))
  }
  return out
}

/** Every relative import, re-export and dynamic `import()` of `file`, resolved to a repository path. */
export function importsOf (file: string, text = readFileSync(join(ROOT, file), 'utf8')): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found: Import[] = []
  const add = (specifier: string, dynamic: boolean, names: string[]): void => {
    if (!specifier.startsWith('.')) return
    const to = relative(ROOT, resolve(ROOT, dirname(file), specifier.split('?')[0])).split(sep).join('/')
    found.push({ from: file, to, dynamic, names })
  }
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      const bindings = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : node.exportClause
      const names = bindings !== undefined && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings))
        ? bindings.elements.map(element => (element.propertyName ?? element.name).text)
        : []
      add(node.moduleSpecifier.text, false, names)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] !== undefined && ts.isStringLiteral(node.arguments[0])) {
      add(node.arguments[0].text, true, [])
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

/** `src/<folder>` of a path under src/, else its top folder (relay, bench, e2e). */
function folderOf (path: string): string {
  const parts = path.split('/')
  return parts[0] === 'src' && parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]
}

const isTest = (file: string): boolean => /\.test\.ts$|\.spec\.ts$/.test(file) || file.startsWith('e2e/') || file.startsWith('bench/')
const isProduction = (file: string): boolean => file.startsWith('src/') && !isTest(file) && !file.startsWith('src/testing/')

/** Imports that enter another src/ folder other than by its public face. */
export function bypassingImports (imports: Import[]): Import[] {
  return imports.filter(({ from, to }) => {
    if (!to.startsWith('src/') || folderOf(to) === folderOf(from)) return false
    const folder = folderOf(to)
    if (folder === 'src/testing' && isTest(from)) return false // tests pick a helper by file
    const face = to.slice(folder.length + 1)
    return face !== 'index.ts' && !(PLATFORM_FACES[folder] ?? []).includes(face)
  })
}

/** Imports from src/ui that reach anything but src/node (its own files and libraries aside). */
export function uiImportsBeyondNode (imports: Import[]): Import[] {
  return imports.filter(({ from, to, dynamic }) => from.startsWith('src/ui/') && !to.startsWith('src/ui/') && !to.startsWith('src/node/') &&
    !(from === BENCH_LOADER.from && to === BENCH_LOADER.to && dynamic === BENCH_LOADER.dynamic))
}

/** Production files that import test helpers or benchmarks. */
export function productionImportsOfTestCode (imports: Import[]): Import[] {
  return imports.filter(({ from, to, dynamic }) => isProduction(from) && (to.startsWith('src/testing/') || to.startsWith('bench/')) &&
    !(from === BENCH_LOADER.from && to === BENCH_LOADER.to && dynamic === BENCH_LOADER.dynamic))
}

const files = [...sourceFiles('src'), ...sourceFiles('relay'), ...sourceFiles('bench'), ...sourceFiles('e2e')]
const allImports = files.flatMap(file => importsOf(file))
const describeImport = (i: Import): string => `${i.from} -> ${i.to}${i.dynamic ? ' (dynamic)' : ''}`

describe('code layout', () => {
  it('reaches another folder only through its index.ts (or a declared platform adapter)', () => {
    expect(bypassingImports(allImports).map(describeImport)).toEqual([])
  })

  it('lets the UI import src/node only', () => {
    expect(uiImportsBeyondNode(allImports).map(describeImport)).toEqual([])
  })

  it('keeps test helpers and benchmarks out of production code', () => {
    expect(productionImportsOfTestCode(allImports).map(describeImport)).toEqual([])
  })

  it('has one closest-peer path: only the HolderSelector looks up who holds a key', () => {
    const production = files.filter(isProduction)
    const lookups = production.filter(file => /\bgetClosestPeers\(/.test(readFileSync(join(ROOT, file), 'utf8')))
    // The peer keeper's lookups of its own and random IDs only discover peers; their answers are dropped.
    expect(lookups).toEqual(['src/net/holder-selector.ts', 'src/net/peer-keeper.ts'])
    const selectors = production.filter(file => /\bimplements HolderSelector\b/.test(readFileSync(join(ROOT, file), 'utf8')))
    expect(selectors).toEqual(['src/net/holder-selector.ts'])
  })

  it('tells its own errors apart by class, never by comparing names', () => {
    const production = files.filter(isProduction)
    const ownErrors = new Set<string>()
    for (const file of production) {
      for (const match of readFileSync(join(ROOT, file), 'utf8').matchAll(/override (?:readonly )?name = '(\w+)'/g)) ownErrors.add(match[1])
    }
    expect(ownErrors.size).toBeGreaterThan(40)
    const matching: string[] = []
    for (const file of production) {
      const text = readFileSync(join(ROOT, file), 'utf8')
      for (const match of text.matchAll(/name\s*[!=]==?\s*'(\w+)'|'(\w+)'\s*[!=]==?\s*[\w.?]*name\b/g)) {
        const name = match[1] ?? match[2]
        if (ownErrors.has(name)) matching.push(`${file}: ${match[0]}`)
      }
      // An error rebuilt from a name and message (`Object.assign(new Error(message), { name })`) loses its class.
      if (/Object\.assign\(new Error\(/.test(text)) matching.push(`${file}: Object.assign(new Error(…), { name })`)
    }
    expect(matching).toEqual([])
  })
})

describe('the layout rules can fail', () => {
  it('flag an import of another folder\'s internal file, a UI import past src/node, and test code in production', () => {
    const chat = importsOf('src/chat/service/chat-service.ts', "import { ObjectStore } from '../../objects/object-store.ts'\n")
    expect(bypassingImports(chat).map(describeImport)).toEqual(['src/chat/service/chat-service.ts -> src/objects/object-store.ts'])
    const ui = importsOf('src/ui/chat/model.ts', "import { parseAddress } from '../../identity/index.ts'\n")
    expect(uiImportsBeyondNode(ui).map(describeImport)).toEqual(['src/ui/chat/model.ts -> src/identity/index.ts'])
    const production = importsOf('src/objects/object-store.ts', "import { xorClosestPeers } from '../testing/object-mesh.ts'\n")
    expect(productionImportsOfTestCode(production).map(describeImport)).toEqual(['src/objects/object-store.ts -> src/testing/object-mesh.ts'])
    const staticBench = importsOf('src/ui/main.ts', "import { tabBench } from '../../bench/tab/index.ts'\n")
    expect(productionImportsOfTestCode(staticBench).map(describeImport)).toEqual(['src/ui/main.ts -> bench/tab/index.ts'])
  })
})
