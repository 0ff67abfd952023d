// ui.js: building the DOM without HTML strings (nothing from the API is
// ever parsed as markup), loading states and error boxes.

/** An element: h("a", {href: "#/x", class: "btn"}, "text", child, ...). */
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false) continue;
		if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
		else if (k === "class") el.className = v;
		else el.setAttribute(k, v === true ? "" : String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === null || c === undefined || c === false) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
}

/** Replace el's children. */
export function put(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

/** A box telling what failed: the API's message and code, never a blank. */
export function errorBox(err) {
	const code = err && err.code ? ` (${err.code})` : "";
	const msg = err && err.message ? err.message : String(err);
	return h("div", { class: "error", role: "alert" }, msg + code);
}

/**
 * Run the promise; after 200 ms without an answer el shows a loading line.
 * On failure el shows the error box and the promise's error is returned as
 * null (the caller has nothing to draw).
 */
export async function loading(el, promise, what = "Loading") {
	const timer = setTimeout(() => {
		el.setAttribute("aria-busy", "true");
		put(el, h("p", { class: "loading" }, `${what}…`));
	}, 200);
	try {
		return await promise;
	} catch (err) {
		put(el, errorBox(err));
		return null;
	} finally {
		clearTimeout(timer);
		el.removeAttribute("aria-busy");
	}
}

/** A labelled form field. */
export function field(label, attrs) {
	const id = attrs.id || `f-${attrs.name}`;
	return h("label", { class: "field", for: id }, h("span", {}, label),
		h(attrs.tag || "input", { ...attrs, id, tag: null }));
}

/** A form whose submit runs fn(values) with the button disabled and any
 * error shown in the form's own message line. */
export function form(attrs, fields, button, fn) {
	const msg = h("div", { class: "form-msg", "aria-live": "polite" });
	const btn = h("button", { type: "submit" }, button);
	const f = h("form", attrs, fields, btn, msg);
	f.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		const values = Object.fromEntries(new FormData(f).entries());
		btn.disabled = true;
		put(msg);
		const slow = setTimeout(() => put(msg, h("span", { class: "loading" }, "Working…")), 200);
		try {
			const note = await fn(values, f);
			put(msg, note || "");
		} catch (err) {
			put(msg, errorBox(err));
		} finally {
			clearTimeout(slow);
			btn.disabled = false;
		}
	});
	return f;
}

/** A number to d places, or an em dash. */
export function fmt(x, d = 2) {
	return x === null || x === undefined || Number.isNaN(x) ? "—" : Number(x).toFixed(d);
}

/** A share (0.0123) as a percentage ("1.23 %"). */
export function pct(x, d = 2) {
	return x === null || x === undefined ? "—" : `${(x * 100).toFixed(d)} %`;
}

/** A table of rows with columns [{label, value(row) -> node|string, num}]. */
export function table(caption, columns, rows) {
	return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
		h("table", {},
			h("caption", {}, caption),
			h("thead", {}, h("tr", {}, columns.map((c) =>
				h("th", { scope: "col", class: c.num ? "num" : null }, c.label)))),
			h("tbody", {}, rows.map((r) => h("tr", {}, columns.map((c) =>
				h("td", { class: c.num ? "num" : null }, c.value(r))))))));
}
