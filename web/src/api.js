// api.js: the one way the page talks to the API (same origin, the session
// cookie); unsafe requests carry the CSRF token the sign-in returned. Every
// failure becomes an ApiError with the API's own message.

const CSRF_KEY = "edgescout.csrf";

export class ApiError extends Error {
	constructor(status, code, message, field) {
		super(message);
		this.status = status;
		this.code = code;
		this.field = field;
	}
}

export function setCsrf(token) {
	if (token) sessionStorage.setItem(CSRF_KEY, token);
	else sessionStorage.removeItem(CSRF_KEY);
}

export function hasCsrf() {
	return sessionStorage.getItem(CSRF_KEY) !== null;
}

/** Call the API: method, path (with its query), optional JSON body. */
export async function api(method, path, body) {
	const headers = { Accept: "application/json" };
	if (body !== undefined) headers["Content-Type"] = "application/json";
	if (method !== "GET" && method !== "HEAD") {
		const csrf = sessionStorage.getItem(CSRF_KEY);
		if (csrf) headers["X-CSRF-Token"] = csrf;
	}
	let res;
	try {
		res = await fetch(path, {
			method, headers, credentials: "same-origin",
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	} catch (err) {
		throw new ApiError(0, "NETWORK", `The server could not be reached: ${err.message}`);
	}
	if (res.status === 204) return null;
	const text = await res.text();
	let data = null;
	try {
		data = text ? JSON.parse(text) : null;
	} catch {
		throw new ApiError(res.status, "BAD_REPLY", `Unexpected reply (HTTP ${res.status})`);
	}
	if (!res.ok) {
		const e = (data && data.error) || {};
		// the session ended (expired, signed out elsewhere): main.js shows the sign-in
		if (res.status === 401) window.dispatchEvent(new CustomEvent("es-unauthorized"));
		throw new ApiError(res.status, e.code || `HTTP_${res.status}`, e.message || `HTTP ${res.status}`, e.field);
	}
	return data;
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params))
		if (v !== "" && v !== null && v !== undefined) q.set(k, v);
	const s = q.toString();
	return s ? `?${s}` : "";
}
