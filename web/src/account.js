// account.js: signing in and out, registering, the password and API keys.
import { api, setCsrf } from "./api.js";
import { errorBox, field, form, h, loading, put, table } from "./ui.js";

/** Sign in with the browser session (a __Host- cookie and a CSRF token). */
export function signinPage(main, session) {
	put(main, h("section", { class: "card narrow" },
		h("h1", {}, "Sign in"),
		form({ "aria-label": "Sign in" }, [
			field("Email", { name: "email", type: "email", autocomplete: "username", required: true }),
			field("Password", { name: "password", type: "password", autocomplete: "current-password", required: true }),
		], "Sign in", async (v) => {
			const r = await api("POST", "/api/auth/login",
				{ email: v.email, password: v.password, session: "cookie" });
			setCsrf(r.csrf_token);
			await session.refresh();
			location.hash = "#/markets";
		}),
		h("p", {}, "No account yet? ", h("a", { href: "#/register" }, "Register"), ".")));
}

export function registerPage(main) {
	put(main, h("section", { class: "card narrow" },
		h("h1", {}, "Register"),
		h("p", { class: "hint" }, "At least 12 characters; common passwords and ones containing your email's name are refused."),
		form({ "aria-label": "Register" }, [
			field("Email", { name: "email", type: "email", autocomplete: "username", required: true }),
			field("Password", { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 12 }),
		], "Register", async (v) => {
			await api("POST", "/api/auth/register", { email: v.email, password: v.password });
			return h("p", { class: "ok" }, "Registered. ", h("a", { href: "#/signin" }, "Sign in"), " now.");
		})));
}

/** End the cookie session; the page forgets its CSRF token either way. */
export async function signOut(session) {
	try {
		await api("POST", "/api/auth/logout");
	} finally {
		setCsrf(null);
		await session.refresh();
		location.hash = "#/signin";
	}
}

export function accountPage(main, session) {
	const keys = h("div", { id: "keys" });
	put(main,
		h("h1", {}, "Account"),
		h("p", {}, `Signed in as ${session.user.email} (${session.user.tier} tier).`),
		h("section", { class: "card" },
			h("h2", {}, "Change the password"),
			h("p", { class: "hint" }, "Every other sign-in ends; this one stays."),
			form({ "aria-label": "Change the password" }, [
				field("Current password", { name: "current_password", type: "password", autocomplete: "current-password", required: true }),
				field("New password", { name: "new_password", type: "password", autocomplete: "new-password", required: true, minlength: 12 }),
			], "Change", async (v, f) => {
				await api("POST", "/api/auth/password", v);
				f.reset();
				return h("p", { class: "ok" }, "Password changed.");
			})),
		h("section", { class: "card" },
			h("h2", {}, "API keys"),
			h("p", { class: "hint" }, "A key's secret is shown once, when it is made: copy it then. Send it in the X-API-Key header."),
			form({ "aria-label": "New API key", class: "inline" }, [
				field("Name", { name: "name", required: true, maxlength: 100 }),
				h("fieldset", { class: "scopes" }, h("legend", {}, "Scopes"),
					["read", "write", "export", "ingest"].map((s) => h("label", {},
						h("input", { type: "checkbox", name: `scope_${s}`, checked: s === "read" }), ` ${s}`))),
			], "Create key", async (v, f) => {
				const scopes = Object.keys(v).filter((k) => k.startsWith("scope_")).map((k) => k.slice(6));
				const k = await api("POST", "/api/auth/api-keys", { name: v.name, scopes });
				f.reset();
				listKeys(keys);
				return h("div", { class: "secret" },
					h("p", {}, `The secret of “${k.name}”, shown this once:`),
					h("code", { class: "key-secret" }, k.key));
			}),
			keys));
	listKeys(keys);
}

async function listKeys(el) {
	const page = await loading(el, api("GET", "/api/auth/api-keys"), "Loading the keys");
	if (!page) return;
	const live = page.items.filter((k) => !k.revoked);
	if (live.length === 0) return put(el, h("p", {}, "No API keys."));
	put(el, table("Your API keys", [
		{ label: "Name", value: (k) => k.name },
		{ label: "Prefix", value: (k) => h("code", {}, k.prefix) },
		{ label: "Scopes", value: (k) => k.scopes.join(", ") },
		{ label: "Last used", value: (k) => k.last_used_at || "never" },
		{ label: "", value: (k) => h("button", {
			type: "button", class: "danger", "aria-label": `Revoke ${k.name}`,
			onclick: async (ev) => {
				ev.target.disabled = true;
				try {
					await api("DELETE", `/api/auth/api-keys/${k.id}`);
					listKeys(el);
				} catch (err) {
					ev.target.disabled = false;
					el.prepend(errorBox(err));
				}
			},
		}, "Revoke") },
	], live));
}
