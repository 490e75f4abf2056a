--[[
  accept_offer: acceptTask. offered -> accepted, only by the agent it is offered to; the offer's
  slot becomes load for the conversation.

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
    {"err", "not_found", "task"}
    {"err", "conflict", message, '{"taskId":..,"state":..}'}  not offered, or offered to another agent
]]
local agentId = ARGV[3]
local t = readTask(ARGV[2])
if not t then return err("not_found", "task") end
if t.state ~= "offered" then
  return err("conflict", "cannot accept a task that is " .. t.state, {taskId = t.id, state = t.state})
end
if t.agentId ~= agentId then
  return err("conflict", "task is offered to another agent", {taskId = t.id, state = t.state})
end

rcall("HSET", KEYS[1], "state", "accepted", "acceptedAt", ARGV[4])
rcall("HDEL", KEYS[1], "offerExpiresAt")
unwait(t)
noteWait(t, ARGV[5])
if rcall("EXISTS", agentKey(agentId)) == 1 then
  addLoad(agentId, t.conversationId)
  dropOffer(agentId, t.id) -- re-indexes the agent too
end
return ok(taskReply(t.id))
