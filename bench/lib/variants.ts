/**
 * What makes the bench's builds differ from the app, all from files of the bench's own: nothing in
 * the app's sources is rewritten.
 *
 *  - Every variant: the snapshot's tsconfig.bench.json (the build's NEXT_TSCONFIG_PATH) maps two
 *    seams the app keeps in modules of their own to the bench's modules, which import the app's
 *    real ones by relative paths (tsconfig paths never apply to those). An exact `paths` entry wins
 *    over "@/*" in TypeScript and in Next.js's resolver.
 *  - "no-proxy" and "empty-proxy": proxy.ts replaced by the variant's file from bench/variants/.
 *    Next.js reads `export const config = { matcher: [...] }` from proxy.ts's text, so a variant
 *    repeats the matcher it needs; the build is refused when the app's proxy.ts and the variant
 *    disagree (the matcher, and for "no-proxy" the code too), never patched to agree.
 */
import ts from "typescript";

export type Variant = "app" | "no-proxy" | "empty-proxy";

/** Import specifiers the app resolves through tsconfig paths, and the bench's module for each. */
export const SEAMS: Readonly<Record<string, string>> = {
  "@/lib/security/public-paths": "bench/variants/public-paths.ts",
  "@/components/header-user": "bench/dashboard-twin/header-user.ts",
};

/** The matcher of the "no-proxy" variant: no request has this path. */
const EMPTIED_MATCHER = ["/__proxy-matcher-emptied__"];

interface ProxyVariant {
  /** Copied over proxy.ts in the variant's snapshot. */
  file: string;
  /** The matcher it must have: the app's, or the emptied one. */
  matcher: "the app's" | "emptied";
  /** Whether its code (everything but the config) must be the app's proxy.ts's. */
  sameCodeAsApp: boolean;
}

const PROXY_VARIANTS: Record<Exclude<Variant, "app">, ProxyVariant> = {
  "no-proxy": { file: "bench/variants/proxy.no-proxy.ts", matcher: "emptied", sameCodeAsApp: true },
  "empty-proxy": { file: "bench/variants/proxy.empty.ts", matcher: "the app's", sameCodeAsApp: false },
};

/** The bench's own files in the snapshot: the twin's route goes where Next.js serves it. */
const TWIN_ROUTE_SOURCE = "bench/dashboard-twin/route/";
const TWIN_ROUTE_TARGET = "app/bench/dashboard-twin/";

/** Where a file of the working tree goes in a snapshot, or undefined if it is not the bench's. */
export function benchFileTarget(file: string): string | undefined {
  if (!/\.tsx?$/.test(file)) return undefined;
  if (file.startsWith(TWIN_ROUTE_SOURCE)) return TWIN_ROUTE_TARGET + file.slice(TWIN_ROUTE_SOURCE.length);
  if (file.startsWith("bench/dashboard-twin/") || file.startsWith("bench/variants/")) return file;
  return undefined;
}

/** A literal written in source (string, number, boolean, array, object), as Next.js requires of a config. */
function literal(node: ts.Expression, file: string): unknown {
  if (ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isParenthesizedExpression(node))
    return literal(node.expression, file);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isArrayLiteralExpression(node)) return node.elements.map((element) => literal(element, file));
  if (ts.isObjectLiteralExpression(node)) {
    return Object.fromEntries(
      node.properties.map((property) => {
        if (!ts.isPropertyAssignment(property) || !(ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) {
          throw new Error(`${file}: the proxy's config is not a plain literal`);
        }
        return [property.name.text, literal(property.initializer, file)];
      }),
    );
  }
  throw new Error(`${file}: the proxy's config is not a plain literal (${ts.SyntaxKind[node.kind]})`);
}

/** `export const config = {...}`'s value, if this statement is it. */
function configOf(statement: ts.Statement, file: string): { matcher?: unknown } | undefined {
  if (!ts.isVariableStatement(statement)) return undefined;
  if (!statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) return undefined;
  const declaration = statement.declarationList.declarations.find((d) => ts.isIdentifier(d.name) && d.name.text === "config");
  if (!declaration?.initializer) return undefined;
  return literal(declaration.initializer, file) as { matcher?: unknown };
}

/** A proxy file's matcher and its code without the config (comments and layout left out). */
export function readProxy(file: string, text: string): { matcher: unknown; code: string } {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const printer = ts.createPrinter({ removeComments: true });
  let config: { matcher?: unknown } | undefined;
  const code: string[] = [];
  for (const statement of source.statements) {
    const found = configOf(statement, file);
    if (found) config = found;
    else code.push(printer.printNode(ts.EmitHint.Unspecified, statement, source));
  }
  if (config?.matcher === undefined) throw new Error(`${file} has no \`export const config = { matcher: [...] }\` written as a literal`);
  return { matcher: config.matcher, code: code.join("\n") };
}

/**
 * The content of proxy.ts in the variant's snapshot: the app's own, or the variant's file once it
 * is proven to agree with the app's proxy.ts. Throws, naming both files, when it does not.
 */
export function proxyFor(variant: Variant, read: (file: string) => Buffer): Buffer {
  const appProxy = read("proxy.ts");
  if (variant === "app") return appProxy;
  const spec = PROXY_VARIANTS[variant];
  const content = read(spec.file);
  const app = readProxy("proxy.ts", appProxy.toString("utf8"));
  const ours = readProxy(spec.file, content.toString("utf8"));
  const wanted = spec.matcher === "emptied" ? EMPTIED_MATCHER : app.matcher;
  if (JSON.stringify(ours.matcher) !== JSON.stringify(wanted)) {
    throw new Error(
      `refusing to build "${variant}": ${spec.file}'s matcher ${JSON.stringify(ours.matcher)} is not ${spec.matcher === "emptied" ? "the emptied one" : "proxy.ts's"} ` +
        `${JSON.stringify(wanted)}. Next.js reads the matcher from the file's text: write it there.`,
    );
  }
  if (spec.sameCodeAsApp && ours.code !== app.code) {
    throw new Error(
      `refusing to build "${variant}": ${spec.file} must be proxy.ts with its matcher emptied, and its code no longer is proxy.ts's: copy proxy.ts's code into it.`,
    );
  }
  return content;
}

/**
 * The snapshot's tsconfig: the app's, plus a `paths` entry per seam (an entry written in an
 * extending config replaces the whole `paths` object, so the app's entries are repeated).
 * Throws when the app no longer has a seam: the bench's module would silently not be used.
 */
export function benchTsconfig(appTsconfig: string, files: ReadonlyMap<string, Buffer>): string {
  const parsed = ts.parseConfigFileTextToJson("tsconfig.json", appTsconfig);
  if (parsed.error) throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(parsed.error.messageText, "\n")}`);
  const appPaths = (parsed.config as { compilerOptions?: { paths?: Record<string, string[]> } }).compilerOptions?.paths ?? {};
  for (const [specifier, target] of Object.entries(SEAMS)) {
    const modulePath = specifier.slice("@/".length);
    const importers = [...files].filter(
      ([file, content]) => !file.startsWith("bench/") && /\.tsx?$/.test(file) && content.includes(`"${specifier}"`),
    );
    if (![".ts", ".tsx"].some((ext) => files.has(modulePath + ext)) || importers.length === 0) {
      throw new Error(`the app has no seam "${specifier}" (a module imported by that exact specifier): ${target} would not be used`);
    }
    if (appPaths[specifier]) throw new Error(`tsconfig.json already maps "${specifier}": the bench's ${target} would not replace it`);
  }
  const seams = Object.fromEntries(Object.entries(SEAMS).map(([specifier, target]) => [specifier, [`./${target}`]]));
  const tsconfig = {
    extends: "./tsconfig.json",
    compilerOptions: { paths: { ...seams, ...appPaths } },
    include: ["next-env.d.ts", "**/*.ts", "**/*.tsx"],
  };
  return `${JSON.stringify(tsconfig, null, 2)}\n`;
}
