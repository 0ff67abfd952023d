// indicators.js: the chart's overlays and panes, computed here from the
// candles (the same definitions as common/domain/indicators.h: SMA; EMA
// seeded with the SMA of its first window; RSI by Wilder; MACD 12/26/9;
// Bollinger 20/2 with the population standard deviation). Each returns an
// array as long as its input, null where the window is not yet full.

export function sma(x, n) {
	const out = new Array(x.length).fill(null);
	let sum = 0;
	for (let i = 0; i < x.length; i++) {
		sum += x[i];
		if (i >= n) sum -= x[i - n];
		if (i >= n - 1) out[i] = sum / n;
	}
	return out;
}

export function ema(x, n, start = 0) {
	const out = new Array(x.length).fill(null);
	if (x.length - start < n) return out;
	let e = 0;
	for (let i = start; i < start + n; i++) e += x[i];
	e /= n;
	out[start + n - 1] = e;
	const k = 2 / (n + 1);
	for (let i = start + n; i < x.length; i++) {
		e = x[i] * k + e * (1 - k);
		out[i] = e;
	}
	return out;
}

export function bollinger(x, n = 20, width = 2) {
	const mid = sma(x, n);
	const upper = new Array(x.length).fill(null);
	const lower = new Array(x.length).fill(null);
	for (let i = n - 1; i < x.length; i++) {
		let v = 0;
		for (let j = i - n + 1; j <= i; j++) v += (x[j] - mid[i]) ** 2;
		const sd = Math.sqrt(v / n);
		upper[i] = mid[i] + width * sd;
		lower[i] = mid[i] - width * sd;
	}
	return { mid, upper, lower };
}

export function rsi(x, n = 14) {
	const out = new Array(x.length).fill(null);
	if (x.length <= n) return out;
	let gain = 0, loss = 0;
	for (let i = 1; i <= n; i++) {
		const d = x[i] - x[i - 1];
		if (d > 0) gain += d; else loss -= d;
	}
	gain /= n;
	loss /= n;
	const value = () => (loss === 0 ? 100 : 100 - 100 / (1 + gain / loss));
	out[n] = value();
	for (let i = n + 1; i < x.length; i++) {
		const d = x[i] - x[i - 1];
		gain = (gain * (n - 1) + Math.max(d, 0)) / n;
		loss = (loss * (n - 1) + Math.max(-d, 0)) / n;
		out[i] = value();
	}
	return out;
}

export function macd(x, fast = 12, slow = 26, signal = 9) {
	const f = ema(x, fast), s = ema(x, slow);
	const line = x.map((_, i) => (f[i] === null || s[i] === null ? null : f[i] - s[i]));
	const first = line.findIndex((v) => v !== null);
	const filled = line.map((v) => (v === null ? 0 : v));
	const sig = first < 0 ? line.map(() => null) : ema(filled, signal, first);
	const hist = line.map((v, i) => (v === null || sig[i] === null ? null : v - sig[i]));
	return { line, signal: sig, hist };
}
