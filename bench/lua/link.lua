-- POST /v1/profiles/{id}/identifiers: a new identifier on a random profile of the list
-- in `ids_file`, its value unique to the run, the thread and the request.
-- Arguments: token namespace ids_file run_tag.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "common.lua")

local namespace, tag
local ids = {}
local counter = 0

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  wrk.headers["Content-Type"] = "application/json"
  namespace = args[2]
  for line in io.lines(args[3]) do
    ids[#ids + 1] = line
  end
  tag = args[4]
  math.randomseed(os.time() * 1000 + (id or 0))
end

function request()
  counter = counter + 1
  local profile = ids[math.random(1, #ids)]
  local body = string.format('{"namespace": "%s", "value": "%s-%d-%d"}',
    namespace, tag, id or 0, counter)
  return wrk.format("POST", "/v1/profiles/" .. profile .. "/identifiers", nil, body)
end
