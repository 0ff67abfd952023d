// chart.js: the candlestick chart with volume, the SMA 20/50/200 and
// Bollinger overlays and the RSI and MACD panes (lightweight-charts).
import {
	CandlestickSeries, HistogramSeries, LineSeries, createChart,
} from "lightweight-charts";
import { bollinger, macd, rsi, sma } from "./indicators.js";

const dark = () => matchMedia("(prefers-color-scheme: dark)").matches;

function palette() {
	return dark()
		? { bg: "#14171c", text: "#d6dae1", grid: "#262b33", up: "#26a69a", down: "#ef5350" }
		: { bg: "#ffffff", text: "#1d2330", grid: "#eceff3", up: "#089981", down: "#d93a37" };
}

/** Candle rows {time, open, high, low, close, volume} from /api/candles'
 * columns, leaving out days without a whole bar. */
export function rowsOf(c) {
	const rows = [];
	for (let i = 0; i < c.dates.length; i++) {
		const o = c.open[i], hi = c.high[i], lo = c.low[i], cl = c.close[i];
		if (o === null || hi === null || lo === null || cl === null) continue;
		rows.push({ time: c.dates[i], open: o, high: hi, low: lo, close: cl, volume: c.volume[i] || 0 });
	}
	return rows;
}

function line(rows, values) {
	const out = [];
	values.forEach((v, i) => { if (v !== null) out.push({ time: rows[i].time, value: v }); });
	return out;
}

/**
 * Draw rows into el; returns {toggle(name, on), remove()}: names are
 * sma20, sma50, sma200, bollinger, rsi, macd.
 */
export function drawChart(el, rows) {
	const p = palette();
	const chart = createChart(el, {
		autoSize: true,
		layout: { background: { color: p.bg }, textColor: p.text, attributionLogo: false,
			panes: { separatorColor: p.grid } },
		grid: { vertLines: { color: p.grid }, horzLines: { color: p.grid } },
		rightPriceScale: { borderColor: p.grid },
		timeScale: { borderColor: p.grid },
	});
	const close = rows.map((r) => r.close);
	const candles = chart.addSeries(CandlestickSeries, {
		upColor: p.up, downColor: p.down, borderVisible: false, wickUpColor: p.up, wickDownColor: p.down,
	});
	candles.setData(rows.map(({ time, open, high, low, close: c }) => ({ time, open, high, low, close: c })));
	const volume = chart.addSeries(HistogramSeries, {
		priceFormat: { type: "volume" }, priceScaleId: "volume", lastValueVisible: false, priceLineVisible: false,
	});
	volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
	volume.setData(rows.map((r) => ({ time: r.time, value: r.volume,
		color: r.close >= r.open ? `${p.up}66` : `${p.down}66` })));

	const overlay = (values, color, width = 1) => {
		const s = chart.addSeries(LineSeries, { color, lineWidth: width, lastValueVisible: false,
			priceLineVisible: false, crosshairMarkerVisible: false });
		s.setData(line(rows, values));
		return s;
	};
	const bb = bollinger(close);
	const groups = {
		sma20: [overlay(sma(close, 20), "#f2a900")],
		sma50: [overlay(sma(close, 50), "#2962ff")],
		sma200: [overlay(sma(close, 200), "#9c27b0", 2)],
		bollinger: [overlay(bb.upper, "#888888"), overlay(bb.mid, "#aaaaaa"), overlay(bb.lower, "#888888")],
	};

	const r = chart.addSeries(LineSeries, { color: "#7e57c2", lineWidth: 1, priceLineVisible: false }, 1);
	r.setData(line(rows, rsi(close)));
	r.createPriceLine({ price: 70, color: p.down, lineStyle: 2, axisLabelVisible: false });
	r.createPriceLine({ price: 30, color: p.up, lineStyle: 2, axisLabelVisible: false });
	const m = macd(close);
	const hist = chart.addSeries(HistogramSeries, { priceLineVisible: false, lastValueVisible: false }, 2);
	hist.setData(line(rows, m.hist).map((d) => ({ ...d, color: d.value >= 0 ? `${p.up}99` : `${p.down}99` })));
	const ml = chart.addSeries(LineSeries, { color: "#2962ff", lineWidth: 1, priceLineVisible: false }, 2);
	ml.setData(line(rows, m.line));
	const ms = chart.addSeries(LineSeries, { color: "#ff6d00", lineWidth: 1, priceLineVisible: false }, 2);
	ms.setData(line(rows, m.signal));
	groups.rsi = [r];
	groups.macd = [hist, ml, ms];
	const panes = chart.panes();      // prices 3/5 of the height, RSI and MACD 1/5 each
	[3, 1, 1].forEach((f, i) => panes[i] && panes[i].setStretchFactor(f));
	chart.timeScale().setVisibleLogicalRange({ from: Math.max(0, rows.length - 260), to: rows.length });
	return {
		toggle(name, on) { groups[name].forEach((s) => s.applyOptions({ visible: on })); },
		remove() { chart.remove(); },
	};
}
