--[[
  close_task: anything but closed -> closed (idempotent). A pending offer is revoked and its slot
  freed; an accepted task frees its agent's load for the conversation (once: not if released).

  KEYS:
    KEYS[1] task hash {p}task:{taskId}

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] taskId
    ARGV[3] now, epoch ms (the freed agent is idle from now when it has no load left)
    ARGV[4] now, ISO (closedAt)

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", closed}   closed: {taskHash, changed "1"|"0", revoked, freed, revokedOfferedAt}
    {"err", "not_found", "task"}
]]
local t = readTask(ARGV[2])
if not t then return err("not_found", "task") end
local changed, revoked, freed, revokedAt = closeOne(t, ARGV[3], ARGV[4])
return ok(closedReply(t.id, changed, revoked, freed, revokedAt))
