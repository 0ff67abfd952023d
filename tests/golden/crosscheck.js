#!/usr/bin/env node
// crosscheck.js: a second, independent look at the golden values made by
// make_golden.R: recomputes them with TA-Lib (npm `talib`, the C library's
// native binding) and, roughly, with npm `technicalindicators`, and prints
// per column how far each reference is from the committed CSV and where
// each one's first defined bar is. Not run by `make test`. From the
// repository root, with both packages installed somewhere on NODE_PATH:
//     NODE_PATH=/path/to/node_modules node tests/golden/crosscheck.js
"use strict";
const fs = require("fs");
const talib = require("talib");
let ti = null;
try { ti = require("technicalindicators"); } catch (e) { /* optional */ }

function readCsv(path) {
	const lines = fs.readFileSync(path, "utf8").trim().split("\n");
	const names = lines[0].split(",");
	const cols = {};
	names.forEach((n) => { cols[n] = []; });
	for (const line of lines.slice(1)) {
		line.split(",").forEach((f, i) => {
			cols[names[i]].push(f === "NA" ? NaN : Number(f));
		});
	}
	return cols;
}

function ta(name, inputs, opts, out) {
	const n = (inputs.inReal || inputs.close).length;
	const r = talib.execute(Object.assign({ name, startIdx: 0, endIdx: n - 1 },
	                                       inputs, opts));
	if (r.error) throw new Error(name + ": " + r.error);
	const v = new Array(n).fill(NaN);
	r.result[out].forEach((x, i) => { v[r.begIndex + i] = x; });
	return v;
}

// Left-pad a shorter series (technicalindicators drops the warm-up bars).
function pad(n, arr) {
	return new Array(n - arr.length).fill(NaN).concat(arr);
}

function first(v) { return v.findIndex((x) => !Number.isNaN(x)); }

// Max |ref - golden| over bars where both are defined, overall and from
// bar `after` on.
function compare(label, golden, ref, after) {
	let all = 0, late = 0;
	for (let i = 0; i < golden.length; i++) {
		if (Number.isNaN(golden[i]) || Number.isNaN(ref[i])) continue;
		const d = Math.abs(golden[i] - ref[i]);
		if (d > all) all = d;
		if (i >= after && d > late) late = d;
	}
	console.log(`${label.padEnd(34)} first bar golden ${String(first(golden)).padStart(3)} ` +
	            `ref ${String(first(ref)).padStart(3)}  max abs ${all.toExponential(2)}` +
	            `  from bar ${after}: ${late.toExponential(2)}`);
}

for (const [set, file] of [["sp500", "sp500-2000.csv"], ["regtest", "talib_regtest_252.csv"]]) {
	const d = readCsv("tests/fixtures/" + file);
	const n = d.close.length;
	const g = (ind) => readCsv(`tests/fixtures/golden/${set}_${ind}.csv`);
	const hlc = { high: d.high, low: d.low, close: d.close, open: d.open, volume: d.volume };
	const c = { inReal: d.close };
	const after = set === "sp500" ? 200 : 150;
	const T = (s) => `${set} TA-Lib ${s}`;

	for (const p of [5, 20, 200])
		compare(T("SMA " + p), g("sma")["sma" + p], ta("SMA", c, { optInTimePeriod: p }, "outReal"), after);
	for (const p of [5, 12, 26, 50])
		compare(T("EMA " + p), g("ema")["ema" + p], ta("EMA", c, { optInTimePeriod: p }, "outReal"), after);
	for (const p of [14, 5])
		compare(T("RSI " + p), g("rsi")["rsi" + p], ta("RSI", c, { optInTimePeriod: p }, "outReal"), after);
	const mo = { optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 };
	compare(T("MACD"), g("macd").macd, ta("MACD", c, mo, "outMACD"), after);
	compare(T("MACD signal"), g("macd").signal, ta("MACD", c, mo, "outMACDSignal"), after);
	compare(T("MACD hist"), g("macd").hist, ta("MACD", c, mo, "outMACDHist"), after);
	const bo = { optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 };
	compare(T("BBANDS lower"), g("bbands").lower, ta("BBANDS", c, bo, "outRealLowerBand"), after);
	compare(T("BBANDS mid"), g("bbands").mid, ta("BBANDS", c, bo, "outRealMiddleBand"), after);
	compare(T("BBANDS upper"), g("bbands").upper, ta("BBANDS", c, bo, "outRealUpperBand"), after);
	for (const p of [14, 5])
		compare(T("ATR " + p), g("atr")["atr" + p], ta("ATR", hlc, { optInTimePeriod: p }, "outReal"), after);
	const so = { optInFastK_Period: 14, optInFastD_Period: 3, optInFastD_MAType: 0 };
	compare(T("STOCHF %K"), g("stoch").k, ta("STOCHF", hlc, so, "outFastK"), after);
	compare(T("STOCHF %D"), g("stoch").d, ta("STOCHF", hlc, so, "outFastD"), after);
	compare(T("OBV"), g("obv").obv, ta("OBV", { inReal: d.close, volume: d.volume }, {}, "outReal"), after);
	for (const p of [10, 1])
		compare(T("ROC " + p), g("roc")["roc" + p], ta("ROC", c, { optInTimePeriod: p }, "outReal"), after);
	compare(T("PLUS_DI"), g("adx").plus_di, ta("PLUS_DI", hlc, { optInTimePeriod: 14 }, "outReal"), after);
	compare(T("MINUS_DI"), g("adx").minus_di, ta("MINUS_DI", hlc, { optInTimePeriod: 14 }, "outReal"), after);
	compare(T("ADX"), g("adx").adx, ta("ADX", hlc, { optInTimePeriod: 14 }, "outReal"), after);

	if (ti === null)
		continue;
	const X = (s) => `${set} technicalindicators ${s}`;
	compare(X("SMA 20"), g("sma").sma20, pad(n, ti.SMA.calculate({ period: 20, values: d.close })), after);
	compare(X("EMA 12"), g("ema").ema12, pad(n, ti.EMA.calculate({ period: 12, values: d.close })), after);
	compare(X("RSI 14 (2 decimals)"), g("rsi").rsi14, pad(n, ti.RSI.calculate({ period: 14, values: d.close })), after);
	compare(X("ATR 14"), g("atr").atr14, pad(n, ti.ATR.calculate({ period: 14, high: d.high, low: d.low, close: d.close })), after);
	compare(X("OBV"), g("obv").obv.slice(1).map((x) => x - d.volume[0]),
	        ti.OBV.calculate({ close: d.close, volume: d.volume }), after);
	const bb = pad(n, ti.BollingerBands.calculate({ period: 20, stdDev: 2, values: d.close }).map((x) => x.upper));
	compare(X("Bollinger upper"), g("bbands").upper, bb, after);
}
