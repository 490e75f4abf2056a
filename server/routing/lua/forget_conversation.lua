--[[
  forget_conversation: drops the conversation's tasks (once the archive has them); those still
  open are closed first, as by close_task, and answered.

  KEYS:
    KEYS[1] the conversation's task list {p}conv-tasks:{conversationId}

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] conversationId
    ARGV[3] now, epoch ms
    ARGV[4] now, ISO (closedAt)

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", {closed...}}  the tasks this closed, each as close_task answers it, in creation order
]]
local out = {}
local ids = rcall("LRANGE", KEYS[1], 0, -1)
for _, tid in ipairs(ids) do
  local t = readTask(tid)
  if t then
    local changed, revoked, freed, revokedAt = closeOne(t, ARGV[3], ARGV[4])
    if changed then out[#out + 1] = closedReply(tid, changed, revoked, freed, revokedAt) end
  end
end
for _, tid in ipairs(ids) do rcall("DEL", taskKey(tid)) end
rcall("DEL", KEYS[1])
return ok(out)
