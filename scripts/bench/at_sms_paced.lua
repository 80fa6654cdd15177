-- wrk script: the webhooks of at_sms.lua at a set pace. Each connection waits args[2] milliseconds
-- after each answer before its next request, so 32 connections at 13.4 ms send about 2,400/s minus
-- the time the answers take; bench.py measures the rate reached and reports it with the latencies.
-- wrk, not hotlinectl simulate: on two shared cores the simulator's own CPU capped it about 2,300/s.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "at_sms.lua")

pace_ms = 0
local base_init = init

function init(args)
  base_init(args)
  pace_ms = tonumber(args[2]) or 0
end

function delay()
  return pace_ms
end
