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

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"bench: requests=%d seconds=%.6f non2xx=%d errors=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
		summary.requests, summary.duration / 1e6, e.status,
		e.connect + e.read + e.write + e.timeout,
		latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
