--[[
  requeue_offer: reject (the agent says no) or expire (the offer timer fired). offered -> queued
  again, without the agent, which is excluded from it from now on; the slot is freed.

  KEYS:
    KEYS[1] task hash {p}task:{taskId}

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] taskId
    ARGV[3] agentId
    ARGV[4] "reject" | "expire"

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", taskHash, offeredAt, targeted}  requeued; offeredAt: the revoked offer's (ISO);
                                           targeted "1" when the task has a target, else "0"
    {"ok"}            expire only: the offer is no longer pending for that agent (a late timer)
    {"err", "not_found", "task"}                        reject of an unknown task
    {"err", "conflict", message, '{"taskId","state"}'}  reject of a task not offered to that agent
]]
local agentId, action = ARGV[3], ARGV[4]
local t = readTask(ARGV[2])
if action == "expire" then
  if not t or t.state ~= "offered" or t.agentId ~= agentId then return ok() end
else
  if not t then return err("not_found", "task") end
  if t.state ~= "offered" then
    return err("conflict", "cannot reject a task that is " .. t.state, {taskId = t.id, state = t.state})
  end
  if t.agentId ~= agentId then
    return err("conflict", "task is offered to another agent", {taskId = t.id, state = t.state})
  end
end

local excluded = cjson.decode(t.excluded)
if not contains(excluded, agentId) then excluded[#excluded + 1] = agentId end
rcall("HSET", KEYS[1], "state", "queued", "excluded", encodeStrings(excluded))
rcall("HDEL", KEYS[1], "agentId", "offeredAt", "offerExpiresAt")
enqueue(t)
dropOffer(agentId, t.id)
local targeted = "0"
if t.target ~= nil then targeted = "1" end
return ok(taskReply(t.id), t.offeredAt or "", targeted)
