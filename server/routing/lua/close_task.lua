--[[
  close_task: anything but closed -> closed (idempotent). A pending offer is revoked and its slot
  freed; an accepted task frees its agent's load for the conversation (once: not if released).

  Input:
    KEYS[1] task hash {p}task:{taskId}
    ARGV[1] prefix {p}
    ARGV[2] taskId
    ARGV[3] now, epoch ms (the freed agent is idle from now when it has no load left)
    ARGV[4] now, ISO (closedAt)

  Output:
    {"ok", {taskHash, changed "1"|"0", revoked, freed}}  revoked/freed: "" for none, else "1" .. agentId
    {"error", "not_found", "task", ""}
]]
local t = readTask(ARGV[2])
if not t then return fail("not_found", "task") end
local changed, revoked, freed = closeOne(t, ARGV[3], ARGV[4])
return {"ok", closedReply(t.id, changed, revoked, freed)}
