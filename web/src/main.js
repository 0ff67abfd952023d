// main.js: the page's entry: who is signed in, the navigation and the
// routes (#/path?query: the server only ever serves the one page).
import "./style.css";
import { api, hasCsrf, setCsrf } from "./api.js";
import { accountPage, registerPage, signOut, signinPage } from "./account.js";
import { marketsPage } from "./markets.js";
import { oddsPage } from "./odds.js";
import { leaveSymbolPage, symbolPage } from "./symbol.js";
import { errorBox, h, put } from "./ui.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");

const session = {
	user: null,
	/** Ask the API who the caller is (a 401 means nobody). A tab that never
	 * signed in has no CSRF token and asks nothing: it shows the sign-in. */
	async refresh() {
		if (!hasCsrf()) {
			this.user = null;
			drawNav();
			return;
		}
		try {
			this.user = await api("GET", "/api/auth/me");
		} catch (err) {
			if (err.status !== 401) throw err;
			setCsrf(null);
			this.user = null;
		}
		drawNav();
	},
};

function link(href, text, route) {
	return h("a", { href, "aria-current": route === href.slice(2).split("?")[0] ? "page" : null }, text);
}

function drawNav(route = currentRoute()[0]) {
	if (session.user) {
		put(nav, link("#/markets", "Markets", route), link("#/odds", "Odds", route),
			link("#/account", "Account", route),
			h("button", { type: "button", class: "link", onclick: () => signOut(session).catch(show) }, "Sign out"));
	} else {
		put(nav, link("#/signin", "Sign in", route), link("#/register", "Register", route));
	}
}

function currentRoute() {
	const hash = location.hash.replace(/^#\/?/, "");
	const [path, q] = hash.split("?");
	return [path, new URLSearchParams(q || "")];
}

function show(err) {
	put(main, errorBox(err));
}

async function route() {
	const [path, params] = currentRoute();
	const parts = path.split("/").map(decodeURIComponent);
	leaveSymbolPage();
	drawNav(parts[0]);
	const open = ["signin", "register"].includes(parts[0]);
	if (!session.user && !open) {
		if (location.hash !== "#/signin") location.hash = "#/signin";
		else signinPage(main, session);
		return;
	}
	if (session.user && (open || parts[0] === "")) {
		location.hash = "#/markets";
		return;
	}
	switch (parts[0]) {
	case "signin": return signinPage(main, session);
	case "register": return registerPage(main);
	case "markets": return marketsPage(main, params);
	case "symbol": return symbolPage(main, parts[1].toUpperCase(), params);
	case "odds": return oddsPage(main, params);
	case "account": return accountPage(main, session);
	default:
		put(main, h("h1", {}, "Not found"), h("p", {}, "No such page. ", h("a", { href: "#/markets" }, "Markets")));
	}
}

/* A 401 while signed in: the session is over; sign in again. */
window.addEventListener("es-unauthorized", () => {
	if (!session.user) return;
	session.user = null;
	setCsrf(null);
	drawNav();
	location.hash = "#/signin";
});

async function start() {
	try {
		await session.refresh();
	} catch (err) {
		show(err);
		return;
	}
	window.addEventListener("hashchange", () => route().catch(show).then(() => main.focus({ preventScroll: true })));
	await route();
}

start().catch(show);
