-- GET /v1/resolve for a random identifier of the loaded set: bench:v00000000 up to
-- bench:v{count-1}. Arguments: token namespace count [query], the last appended to each
-- request as it is (e.g. "&as_of=2999-01-01T00:00:00Z").
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "common.lua")

local namespace, count, query

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  namespace = args[2]
  count = tonumber(args[3])
  query = args[4] or ""
  math.randomseed(os.time() * 1000 + (id or 0))
end

function request()
  local value = string.format("v%08d", math.random(0, count - 1))
  return wrk.format("GET", "/v1/resolve?namespace=" .. namespace .. "&value=" .. value .. query)
end
