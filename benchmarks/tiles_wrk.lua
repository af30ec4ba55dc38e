-- wrk script for benchmarks/tiles_benchmark.py: tile requests from a list of paths.
--   TILES_PATHS=file (one path per line)  TILES_MODE=walk|random  TILES_THREADS=n
--   TILES_COOKIE=cookie header value (optional)
-- walk: every thread walks its own interleave of the (shuffled) list once and stops,
-- so each tile is asked exactly once (a cold cache sees only misses);
-- random: uniform random tiles from the list (warm cache).
local paths = {}
for line in io.lines(os.getenv("TILES_PATHS")) do
  paths[#paths + 1] = line
end
local mode = os.getenv("TILES_MODE") or "random"
local cookie = os.getenv("TILES_COOKIE") or ""
local threads = tonumber(os.getenv("TILES_THREADS") or "2")
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  index = id or 0
  received = 0
  share = math.floor((#paths - index + threads - 1) / threads)
  math.randomseed(os.time() * 7919 + index)
  if cookie ~= "" then
    wrk.headers["Cookie"] = cookie
  end
end

function request()
  local path
  if mode == "walk" then
    path = paths[(index % #paths) + 1]
    index = index + threads
  else
    path = paths[math.random(#paths)]
  end
  return wrk.format("GET", path)
end

if mode == "walk" then
  function response(status, headers, body)
    received = received + 1
    if received >= share then
      wrk.thread:stop()
    end
  end
end
