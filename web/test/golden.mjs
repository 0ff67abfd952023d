// golden.mjs FIXTURES: the page's indicators (src/indicators.js) against the
// golden values of the S&P 500 series (FIXTURES/golden/sp500_*.csv, the same
// the C indicators are held to): every bar to 1e-6 relative, NA where the
// window is not full. Prints one line per indicator; exits 1 on a mismatch.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bollinger, macd, rsi, sma } from "../src/indicators.js";

const dir = process.argv[2];
const csv = (path) => {
	const [head, ...rows] = readFileSync(path, "utf8").trim().split("\n");
	const names = head.split(",");
	const cols = Object.fromEntries(names.map((n) => [n, []]));
	for (const r of rows)
		r.split(",").forEach((v, i) => cols[names[i]].push(v === "NA" ? null : Number(v)));
	return cols;
};
const close = csv(join(dir, "sp500-2000.csv")).close;
const golden = (name) => csv(join(dir, "golden", `sp500_${name}.csv`));
const m = macd(close), bb = bollinger(close, 20, 2);
const checks = [
	["sma20", sma(close, 20), golden("sma").sma20],
	["sma200", sma(close, 200), golden("sma").sma200],
	["rsi14", rsi(close, 14), golden("rsi").rsi14],
	["macd", m.line, golden("macd").macd],
	["macd signal", m.signal, golden("macd").signal],
	["macd hist", m.hist, golden("macd").hist],
	["bollinger lower", bb.lower, golden("bbands").lower],
	["bollinger mid", bb.mid, golden("bbands").mid],
	["bollinger upper", bb.upper, golden("bbands").upper],
];
let failed = 0;
for (const [name, got, want] of checks) {
	let bad = -1;
	for (let i = 0; i < want.length && bad < 0; i++) {
		if ((got[i] === null) !== (want[i] === null)) bad = i;
		else if (want[i] !== null && Math.abs(got[i] - want[i]) > 1e-6 * Math.max(1, Math.abs(want[i]))) bad = i;
	}
	if (got.length !== want.length || bad >= 0) {
		failed++;
		console.log(`FAIL ${name}: bar ${bad}: ${got[bad]} != ${want[bad]} (${got.length} bars, ${want.length} golden)`);
	} else {
		console.log(`ok   ${name}: ${want.length} bars`);
	}
}
process.exit(failed ? 1 : 0);
