// odds.js: +EV hits with their filters and devig method, and arbitrage
// across books. The filters live in the page's address (#/odds?…), so a
// filtered view can be bookmarked and the back button works.
import { api, query } from "./api.js";
import { field, fmt, h, loading, pct, put, table } from "./ui.js";

const METHODS = ["", "multiplicative", "additive", "power", "shin", "worst_case"];
const MARKETS = ["", "h2h", "spreads", "totals"];
const SORTS = ["ev", "newest", "commence"];
const FILTERS = ["sport", "market", "min_ev", "max_price", "method", "sort"];
let sportsList = null;   // the covered sports, asked once per visit

function select(label, name, values, chosen, names = {}) {
	return h("label", { class: "field", for: `f-${name}` }, h("span", {}, label),
		h("select", { name, id: `f-${name}` }, values.map((v) =>
			h("option", { value: v, selected: v === chosen }, names[v] || v || "any"))));
}

function when(iso) {
	return iso ? iso.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC") : "—";
}

function line(x) {
	return `${x.outcome}${x.point === null || x.point === undefined ? "" : ` ${x.point > 0 ? "+" : ""}${x.point}`}`;
}

export async function oddsPage(main, params) {
	const sports = h("datalist", { id: "sports" });
	const f = h("form", { class: "filters", "aria-label": "Filter the hits" },
		field("Sport", { name: "sport", list: "sports", value: params.get("sport") || "", placeholder: "any" }),
		sports,
		select("Market", "market", MARKETS, params.get("market") || ""),
		field("Least EV (0.02 = 2 %)", { name: "min_ev", type: "number", step: "0.005", min: "-1", max: "100", value: params.get("min_ev") || "" }),
		field("Highest price", { name: "max_price", type: "number", step: "0.01", min: "1", value: params.get("max_price") || "" }),
		select("Devig method", "method", METHODS, params.get("method") || "", { worst_case: "worst case" }),
		select("Sort by", "sort", SORTS, params.get("sort") || "ev", { ev: "EV", newest: "newest", commence: "start time" }),
		h("button", { type: "submit" }, "Show"));
	f.addEventListener("submit", (ev) => {
		ev.preventDefault();
		const v = Object.fromEntries(new FormData(f).entries());
		location.hash = `#/odds${query(v)}`;
	});
	const hits = h("div", {});
	const arbs = h("div", {});
	const perf = h("div", {});
	put(main, h("h1", {}, "Odds"),
		h("section", { class: "card" }, h("h2", {}, "+EV hits"), f, hits),
		h("section", { class: "card" }, h("h2", {}, "Arbitrage"), arbs),
		h("section", { class: "card" }, h("h2", {}, "Keeping score"), perf));
	sportsList = sportsList || api("GET", "/api/odds/sports").then((s) => s.sports, () => {
		sportsList = null;     // only a suggestion list: asked again next time
		return [];
	});
	sportsList.then((list) => put(sports, list.map((x) => h("option", { value: x.key }, x.title))));
	const filters = {};
	for (const k of FILTERS) filters[k] = params.get(k) || "";
	showHits(hits, filters);
	showArbs(arbs, filters.sport);
	showPerformance(perf, filters.sport);
}

/** A value with its 95 % interval: "4.1 % (−2.0 % to 10.2 %)". */
function ci(x, f) {
	if (!x || x.value === null) return "—";
	return x.low === null ? f(x.value) : `${f(x.value)} (${f(x.low)} to ${f(x.high)})`;
}

async function showPerformance(el, sport) {
	const r = await loading(el, api("GET", `/api/ev/performance${query({ sport })}`), "Loading the results");
	if (!r) return;
	if (r.overall.settled === 0) return put(el, h("p", {}, "No settled hits yet."));
	const p1 = (x) => pct(x, 1);
	put(el, h("p", { class: "hint" }, `Intervals: ${r.intervals}.`),
		table("Settled hits, overall and by EV band, with 95 % intervals", [
		{ label: "", value: (g) => g.key },
		{ label: "Settled", num: true, value: (g) => g.settled },
		{ label: "Won–lost", num: true, value: (g) => `${g.wins}–${g.losses}` },
		{ label: "Hit rate", num: true, value: (g) => ci(g.hit_rate, p1) },
		{ label: "ROI flat", num: true, value: (g) => ci(g.roi_flat, p1) },
		{ label: "CLV", num: true, value: (g) => ci(g.clv, p1) },
		], [r.overall, ...r.by_ev_band]));
}

async function showHits(el, filters, cursor, rows = []) {
	const page = await loading(el, api("GET", `/api/ev/hits${query({ ...filters, limit: 50, cursor })}`), "Loading the hits");
	if (!page) return;
	rows = rows.concat(page.items);
	if (rows.length === 0) return put(el, h("p", {}, "No hits match these filters."));
	const by = filters.method ? `by the ${filters.method.replace("_", " ")} method` : "by each hit's method";
	put(el, table(`+EV hits, fair probabilities ${by}`, [
		{ label: "Event", value: (x) => `${x.away_team} at ${x.home_team}` },
		{ label: "Starts", value: (x) => when(x.commence_time) },
		{ label: "Market", value: (x) => x.market },
		{ label: "Bet", value: line },
		{ label: "Book", value: (x) => x.book_title },
		{ label: "Price", num: true, value: (x) => fmt(x.price) },
		{ label: "Fair price", num: true, value: (x) => fmt(x.fair_price) },
		{ label: "EV", num: true, value: (x) => pct(x.ev, 1) },
		{ label: "Stake (Kelly)", num: true, value: (x) => pct(x.kelly_stake, 2) },
		{ label: "Devig", value: (x) => x.method.replace("_", " ") },
		{ label: "Fair line from", value: (x) => x.fair_source },
	], rows),
	page.next_cursor ? h("button", { type: "button", onclick: () => showHits(el, filters, page.next_cursor, rows) }, "More") : null);
}

async function showArbs(el, sport) {
	const r = await loading(el, api("GET", `/api/arbs${query({ sport })}`), "Loading the arbs");
	if (!r) return;
	if (r.arbs.length === 0) return put(el, h("p", {}, "No arbitrage across the books right now."));
	put(el, h("p", { class: "hint" }, `Stakes for a bankroll of ${fmt(r.bankroll)} in units of ${fmt(r.unit)}.`),
		r.arbs.map((a) => h("article", { class: "arb" },
			h("h3", {}, `${a.away_team} at ${a.home_team}: ${a.market}${a.point === null ? "" : ` ${a.point}`}, +${fmt(a.profit_pct)} %`),
			table(`Legs, starts ${when(a.commence_time)}`, [
				{ label: "Bet", value: line },
				{ label: "Book", value: (l) => l.book_title },
				{ label: "Price", num: true, value: (l) => fmt(l.price) },
				{ label: "Stake", num: true, value: (l) => fmt(l.stake) },
				{ label: "Rounded", num: true, value: (l) => fmt(l.rounded_stake) },
			], a.legs),
			a.rounded_guaranteed ? null : h("p", { class: "warn" }, a.note))));
}
