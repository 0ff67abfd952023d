-- report.lua: wrk script of `make bench`. Sets the method, body and headers
-- from the environment (BENCH_METHOD, BENCH_BODY, BENCH_HEADERS as
-- "Name: value" lines) and, when the run is over, prints one machine-readable
-- line that tests/bench/bench.py reads:
--   bench: requests=N seconds=S non2xx=N errors=N p50_us=N p90_us=N p99_us=N max_us=N
-- Nothing runs per response, so the script costs wrk nothing under load.

wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
	wrk.body = body
end
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
	local name, value = string.match(line, "^([^:]+):%s*(.*)$")
	if name ~= nil then
		wrk.headers[name] = value
	end
end

-- BENCH_ROTATE_NAME and BENCH_ROTATE_VALUES (one a line): each request of a
-- thread carries the next of the values in that header (say one Bearer
-- token per user), the requests made once, at a thread's first request.
local rotate_name = os.getenv("BENCH_ROTATE_NAME") or ""
local rotate = {}
for value in string.gmatch(os.getenv("BENCH_ROTATE_VALUES") or "", "[^\n]+") do
	rotate[#rotate + 1] = value
end

if rotate_name ~= "" and #rotate > 0 then
	local made, n = nil, 0
	-- defined when the script loads, so that wrk knows its requests vary
	function request()
		if made == nil then
			made = {}
			for i, value in ipairs(rotate) do
				wrk.headers[rotate_name] = value
				made[i] = wrk.format()
			end
		end
		n = n % #made + 1
		return made[n]
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"bench: requests=%d seconds=%.6f non2xx=%d errors=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
		summary.requests, summary.duration / 1e6, e.status,
		e.connect + e.read + e.write + e.timeout,
		latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
