-- A different user id on every request; the path after the user comes from the WRK_PATH variable.
local threads = {}
local suffix = os.getenv("WRK_PATH") or "/flags"
local headers = { ["Authorization"] = os.getenv("WRK_AUTHORIZATION") }

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  prefix = "/users/u" .. (id or 1) .. "-"
end

function request()
  counter = counter + 1
  return wrk.format("GET", prefix .. counter .. suffix, headers)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format('WRK_RESULT {"requests":%d,"errors":%d,"non2xx":%d,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f}\n',
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
