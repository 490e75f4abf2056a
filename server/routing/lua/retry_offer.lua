--[[
  retry_offer: pickRetryAgent and offerTask in one step, for a queued push-mode task agents refused.
  Its refusals are forgotten (always, even when nothing is offered); of the agents that refused it
  (oldest refusal first) the first that fits now is offered it, else pickFree's choice.

  KEYS:
    KEYS[1] task hash {p}task:{taskId}

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] taskId
    ARGV[3] now, ISO (offeredAt)
    ARGV[4] expiresAt, epoch ms

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", repaired, taskHash, agentId}  offered
    {"ok", repaired}                     no agent fits, or not a queued push-mode task
    {"err", "not_found", "task"}
  repaired: as offer_next answers it
]]
local t = readTask(ARGV[2])
if not t then return err("not_found", "task") end
local refusedBy = cjson.decode(t.excluded)
rcall("HSET", KEYS[1], "excluded", "[]")
if t.mode ~= "push" or t.state ~= "queued" then return ok(0) end

for _, agentId in ipairs(refusedBy) do
  local a = readAgent(agentId)
  if a and fitsTask(a, t) then return ok(0, offer(t, agentId, ARGV[3], ARGV[4]), agentId) end
end
local picked, repaired = pickFree(t, {})
if not picked then return ok(repaired) end
return ok(repaired, offer(t, picked, ARGV[3], ARGV[4]), picked)
