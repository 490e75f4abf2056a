--[[
  note_positions: decidePositions of server/domain/queue-positions.ts in one step, so two nodes
  never both tell a customer. Each waiting task of the list (oldest first) whose position differs
  from the one last noted is noted (position, now) and answered, unless its last note is younger
  than the interval (held back: retryAt is the earliest it may be told). Also answers the list's
  recent waits, for averageWaitSeconds.

  KEYS:
    KEYS[1] the list's waiting index {p}waiting:{listId} (or {p}waiting-nolist)
    KEYS[2] the list's recent waits {p}waits:{listId} (or {p}waits-nolist)

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] now, epoch ms
    ARGV[3] the interval, ms

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", {{taskHash, position}...}, retryAt, waitSumMs, waitCount}
      retryAt: epoch ms as a string, "" when nothing was held back
]]
local now, interval = tonumber(ARGV[2]), tonumber(ARGV[3])
local changed, retryAt = {}, nil
for i, tid in ipairs(rcall("ZRANGE", KEYS[1], 0, -1)) do
  local key = taskKey(tid)
  local f = rcall("HMGET", key, "posNoted", "posNotedAt")
  local position, at = tonumber(f[1]), tonumber(f[2])
  if position ~= i then
    if position ~= nil and now - at < interval then
      if retryAt == nil or at + interval < retryAt then retryAt = at + interval end
    else
      rcall("HSET", key, "posNoted", i, "posNotedAt", ARGV[2])
      changed[#changed + 1] = {taskReply(tid), i}
    end
  end
end
local sum, count = 0, 0
for _, w in ipairs(rcall("LRANGE", KEYS[2], 0, -1)) do
  sum = sum + tonumber(w)
  count = count + 1
end
local r = ""
if retryAt ~= nil then r = string.format("%d", retryAt) end
return ok(changed, r, sum, count)
