// markets.js: the caller's watchlists (add and remove symbols, make lists).
import { api } from "./api.js";
import { errorBox, field, fmt, form, h, loading, put, table } from "./ui.js";

export async function marketsPage(main, params) {
	const body = h("div", {});
	put(main, h("h1", {}, "Markets"), body);
	const page = await loading(body, api("GET", "/api/watchlists"), "Loading the watchlists");
	if (!page) return;
	const lists = page.items;
	const wanted = Number(params.get("list"));
	const current = lists.find((l) => l.id === wanted) || lists.find((l) => l.is_default) || lists[0];
	const detail = h("div", {});
	put(body,
		lists.length > 1 ? h("nav", { class: "tabs", "aria-label": "Watchlists" }, lists.map((l) =>
			h("a", { href: `#/markets?list=${l.id}`, "aria-current": l.id === current.id ? "page" : null },
				`${l.name} (${l.symbol_count})`))) : null,
		detail,
		h("section", { class: "card" }, h("h2", {}, "New watchlist"),
			form({ "aria-label": "New watchlist", class: "inline" },
				[field("Name", { name: "name", required: true, maxlength: 100 })], "Create",
				async (v) => {
					const l = await api("POST", "/api/watchlists", { name: v.name });
					location.hash = `#/markets?list=${l.id}`;
				})));
	if (current) showList(detail, current.id);
}

async function showList(el, id) {
	const list = await loading(el, api("GET", `/api/watchlists/${id}`), "Loading the watchlist");
	if (!list) return;
	const rows = list.symbols.length === 0 ? h("p", {}, "No symbols yet: add one.")
		: table(`Watchlist ${list.name}`, [
			{ label: "Symbol", value: (s) => h("a", { href: `#/symbol/${encodeURIComponent(s.symbol)}` }, s.symbol) },
			{ label: "Name", value: (s) => s.name || "" },
			{ label: "Last close", num: true, value: (s) => (s.last ? fmt(s.last.close) : "—") },
			{ label: "Date", value: (s) => (s.last ? s.last.date : "no data yet") },
			{ label: "", value: (s) => h("button", {
				type: "button", class: "danger", "aria-label": `Remove ${s.symbol}`,
				onclick: async (ev) => {
					ev.target.disabled = true;
					try {
						await api("DELETE", `/api/watchlists/${id}/symbols/${encodeURIComponent(s.symbol)}`);
						showList(el, id);
					} catch (err) {
						ev.target.disabled = false;
						el.prepend(errorBox(err));
					}
				},
			}, "Remove") },
		], list.symbols);
	put(el, h("section", { class: "card" },
		h("h2", {}, list.name),
		list.is_default ? null : listActions(list),
		form({ "aria-label": "Add a symbol", class: "inline" },
			[field("Symbol", { name: "symbol", required: true, maxlength: 20, autocapitalize: "characters", placeholder: "AAPL" })],
			"Add", async (v) => {
				await api("POST", `/api/watchlists/${id}/symbols`, { symbol: v.symbol.trim() });
				showList(el, id);
			}),
		rows));
}

/** Rename or delete a list of one's own (the default list stays). */
function listActions(list) {
	const del = h("button", { type: "button", class: "danger", onclick: async () => {
		del.disabled = true;
		try {
			await api("DELETE", `/api/watchlists/${list.id}`);
			location.hash = "#/markets";
		} catch (err) {
			del.disabled = false;
			del.after(errorBox(err));
		}
	} }, `Delete ${list.name}`);
	return h("div", { class: "list-actions" },
		form({ "aria-label": "Rename the watchlist", class: "inline" },
			[field("New name", { name: "name", id: "f-rename", required: true, maxlength: 100, value: list.name })],
			"Rename", async (v) => {
				await api("PATCH", `/api/watchlists/${list.id}`, { name: v.name });
				history.replaceState(null, "", `#/markets?list=${list.id}`);
				marketsPage(document.getElementById("main"), new URLSearchParams({ list: list.id }));
			}),
		del);
}
