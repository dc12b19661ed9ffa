-- GET /v1/resolve for a random identifier of the loaded set: bench:v00000000 up to
-- bench:v{count-1}. Arguments: token namespace count.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "common.lua")

local namespace, count

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  namespace = args[2]
  count = tonumber(args[3])
  math.randomseed(os.time() * 1000 + (id or 0))
end

function request()
  local value = string.format("v%08d", math.random(0, count - 1))
  return wrk.format("GET", "/v1/resolve?namespace=" .. namespace .. "&value=" .. value)
end
