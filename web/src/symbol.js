// symbol.js: one symbol: its chart (indicators computed here from
// /api/candles) and its analysis under a strategy (/api/stock-analysis:
// score, the weighted components, the model's win probability).
import { api, query } from "./api.js";
import { drawChart, rowsOf } from "./chart.js";
import { fmt, h, loading, pct, put, table } from "./ui.js";

const STRATEGIES = ["momentum", "growth", "value", "dividend"];
const OVERLAYS = [["sma20", "SMA 20"], ["sma50", "SMA 50"], ["sma200", "SMA 200"],
	["bollinger", "Bollinger 20/2"], ["rsi", "RSI 14"], ["macd", "MACD 12/26/9"]];
let current = null;   // the chart on the page, removed when the page changes
let redraw = null;    // drawing it again in the other theme
const scheme = matchMedia("(prefers-color-scheme: dark)");
scheme.addEventListener("change", () => redraw && redraw());

/** Remove the chart of the previous page (its observers and canvases). */
export function leaveSymbolPage() {
	if (current) current.remove();
	current = null;
	redraw = null;
}

export async function symbolPage(main, symbol, params) {
	const strategy = STRATEGIES.includes(params.get("strategy")) ? params.get("strategy") : "momentum";
	const chartBox = h("div", { class: "chart", role: "img", "aria-label": `Daily candlestick chart of ${symbol} with volume, overlays and the RSI and MACD panes` });
	const chartArea = h("div", { class: "chart-area" }, h("p", { class: "loading" }, "Loading the prices…"));
	const analysis = h("section", { class: "card", "aria-labelledby": "analysis-h" });
	put(main,
		h("h1", {}, symbol),
		h("section", { class: "card" },
			h("h2", {}, "Daily prices"),
			h("fieldset", { class: "toggles" }, h("legend", {}, "Show"),
				OVERLAYS.map(([k, label]) => h("label", {},
					h("input", { type: "checkbox", checked: true, "data-overlay": k,
						onchange: (ev) => current && current.toggle(k, ev.target.checked) }), ` ${label}`))),
			chartArea,
			h("p", { class: "hint" }, "Overlays and panes are computed in the page from the daily candles. Charts: ",
				h("a", { href: "https://www.tradingview.com/", rel: "noopener" }, "TradingView Lightweight Charts™"),
				", Copyright © 2025 TradingView, Inc.")),
		analysis);
	drawPrices(chartArea, chartBox, symbol);
	showAnalysis(analysis, symbol, strategy);
}

async function drawPrices(area, box, symbol) {
	const c = await loading(area, api("GET", `/api/candles${query({ symbol })}`), "Loading the prices");
	if (!c || !area.isConnected) return;     // failed, or the page was left meanwhile
	const rows = rowsOf(c);
	if (rows.length === 0) return put(area, h("p", {}, `No prices for ${symbol} yet.`));
	put(area, box, h("p", { class: "hint" }, `${rows.length} daily bars, ${rows[0].time} to ${rows[rows.length - 1].time}${c.freshness && c.freshness.stale ? " (stale)" : ""}.`));
	const draw = () => {
		leaveSymbolPage();
		current = drawChart(box, rows);
		document.querySelectorAll("input[data-overlay]").forEach((el) =>
			current.toggle(el.dataset.overlay, el.checked));
		redraw = draw;
	};
	draw();
	box.dataset.drawn = "true";
}

async function showAnalysis(el, symbol, strategy) {
	const body = h("div", {});
	put(el, h("h2", { id: "analysis-h" }, "Analysis"),
		h("nav", { class: "tabs", "aria-label": "Strategy" }, STRATEGIES.map((s) =>
			h("a", { href: `#/symbol/${encodeURIComponent(symbol)}?strategy=${s}`,
				"aria-current": s === strategy ? "page" : null }, s))),
		body);
	const a = await loading(body, api("GET", `/api/stock-analysis${query({ symbol, strategy })}`), "Analysing");
	if (!a) return;
	put(body,
		h("dl", { class: "facts" },
			h("dt", {}, "Score"), h("dd", { class: "score" }, a.score === null ? "—" : `${fmt(a.score)} / 100`),
			h("dt", {}, "Recommendation"), h("dd", { class: `rec rec-${a.recommendation || "none"}` },
				a.recommendation || "none (too little data)"),
			h("dt", {}, "Confidence"), h("dd", {}, a.confidence),
			h("dt", {}, "Coverage"), h("dd", {}, pct(a.coverage, 0)),
			h("dt", {}, "Close"), h("dd", {}, `${fmt(a.close)} on ${a.date}`)),
		componentBar(a),
		table(`Components of the ${a.strategy} score`, [
			{ label: "Component", value: (c) => c.name },
			{ label: "Weight", num: true, value: (c) => (c.available ? fmt(c.weight, 1) : "—") },
			{ label: "Score", num: true, value: (c) => (c.available ? fmt(c.score, 1) : "—") },
			{ label: "Points", num: true, value: (c) => (c.available ? fmt(c.contribution) : "—") },
			{ label: "Why", value: (c) => c.explanation },
		], a.components),
		a.missing.length ? h("p", { class: "hint" }, `Missing inputs: ${a.missing.join(", ")}.`) : null,
		modelNote(a.model));
}

/** The score as a bar of its weighted parts: each component's points out of 100. */
function componentBar(a) {
	const bar = h("div", { class: "bar", role: "img",
		"aria-label": `Score ${fmt(a.score)} of 100: ` + a.components.filter((c) => c.available)
			.map((c) => `${c.name} ${fmt(c.contribution)}`).join(", ") });
	a.components.forEach((c, i) => {
		if (!c.available || !(c.contribution > 0)) return;
		const part = h("span", { class: `part part-${i % 6}`, title: `${c.name}: ${fmt(c.contribution)} of ${fmt(c.weight, 1)}` });
		part.style.width = `${Math.min(100, c.contribution)}%`;
		bar.append(part);
	});
	const legend = h("ul", { class: "legend" }, a.components.filter((c) => c.available).map((c) =>
		h("li", {}, h("span", { class: `swatch part-${a.components.indexOf(c) % 6}` }),
			`${c.name}: ${fmt(c.contribution)} of ${fmt(c.weight, 1)}`)));
	return h("div", { class: "bar-wrap" }, bar, legend);
}

function modelNote(m) {
	if (!m) return h("p", { class: "hint" }, "No model yet: the win probability appears once one has been trained.");
	return h("div", { class: "model" },
		h("p", {}, `Model v${m.version}: win probability ${pct(m.win_probability, 1)}.`),
		h("p", { class: "hint" }, "A record of how past signals turned out, not a forecast: its holdout AUC is close to what the recommendation alone scores. Treat it accordingly."));
}
