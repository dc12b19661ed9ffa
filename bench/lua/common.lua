-- Shared by every bench script: numbers each thread (`id`, for unique values and
-- per-thread random seeds) and prints the run's figures as one JSON line that
-- bench/wrk.py reads (latencies in microseconds).
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, '
      .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %.1f, "p99_us": %.1f, '
      .. '"max_us": %.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
