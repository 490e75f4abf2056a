--[[
  pull_task: an agent takes a queued task (pullTask): queued -> accepted, load +1. Of concurrent
  callers on any node exactly one wins; the others see it taken.

  KEYS:
    KEYS[1] task hash {p}task:{taskId}

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] taskId
    ARGV[3] agentId
    ARGV[4] now, ISO (acceptedAt)
    ARGV[5] now, epoch ms (the task's wait is noted for its list)

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", taskHash}
    {"err", code, message, detailsJson} checked in this order, as the memory store does:
      not_found "task"; conflict "task was taken" {taskId, state}; not_found "agent";
      forbidden "agent does not serve the task list"; forbidden "task is for another agent";
      forbidden "agent lacks a required skill";
      conflict "agent is at capacity" {reason: "capacity"}
]]
local agentId = ARGV[3]
local t = readTask(ARGV[2])
if not t then return err("not_found", "task") end
-- The state first: the losers of a race learn it was taken, whatever else holds for them.
if t.state ~= "queued" then return err("conflict", "task was taken", {taskId = t.id, state = t.state}) end
local a = readAgent(agentId)
if not a then return err("not_found", "agent") end
if not serves(a, t.listId) then return err("forbidden", "agent does not serve the task list") end
if t.target ~= nil and t.target ~= agentId then return err("forbidden", "task is for another agent") end
if not hasSkills(a, t) then return err("forbidden", "agent lacks a required skill") end
if #a.convs + #a.offers >= a.capacity then
  return err("conflict", "agent is at capacity", {reason = "capacity"})
end

rcall("HSET", KEYS[1], "state", "accepted", "agentId", agentId, "acceptedAt", ARGV[4])
unwait(t)
noteWait(t, ARGV[5])
addLoad(agentId, t.conversationId)
syncAgent(agentId)
return ok(taskReply(t.id))
