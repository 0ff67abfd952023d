// build.mjs: bundle src/ into OUT (the one argument): OUT/assets/ holds the
// script and style sheet under content-hashed names (cached for a year),
// each with its .gz beside it; OUT/index.html names them (never cached). No
// inline script or style: the page runs under a CSP of script-src 'self'.
import { build } from "esbuild";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
	console.error("usage: node web/build.mjs OUTDIR");
	process.exit(2);
}
rmSync(join(out, "assets"), { recursive: true, force: true });
mkdirSync(join(out, "assets"), { recursive: true });

const result = await build({
	entryPoints: [join(here, "src", "main.js")],
	bundle: true,
	format: "esm",
	target: ["es2020"],
	minify: true,
	sourcemap: false,
	legalComments: "eof",
	entryNames: "[name]-[hash]",
	outdir: join(out, "assets"),
	metafile: true,
	logLevel: "warning",
});

const files = Object.keys(result.metafile.outputs).map((f) => basename(f));
// each asset beside its gzip (nginx's gzip_static sends that one when the
// browser takes gzip: compressed once here, not on every request)
for (const f of files) {
	const path = join(out, "assets", f);
	writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: 9 }));
}
const js = files.find((f) => f.endsWith(".js"));
const css = files.find((f) => f.endsWith(".css"));
const page = readFileSync(join(here, "src", "index.html"), "utf8")
	.replace("{{JS}}", `/assets/${js}`)
	.replace("{{CSS}}", `/assets/${css}`);
writeFileSync(join(out, "index.html.new"), page);
// written whole, then renamed: make never sees a half-written page
renameSync(join(out, "index.html.new"), join(out, "index.html"));
