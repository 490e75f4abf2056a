--[[
  note_live_state: records a conversation's state in the live index, after its commit: the set of
  live conversations and how many are in each state (`listIds`, `countByState`). One slot: both
  keys share the hash tag {p}{live}.

  Each entry carries the version of the commit that wrote it and an older version never
  overwrites a newer one, so two nodes' notes arriving out of order, or one noted twice, leave the
  index as the newest commit says. State "" removes the conversation (it left Redis).

  KEYS:
    KEYS[1] live conversations  {p}{live}:conversations  hash id -> "ver|state"
    KEYS[2] counts per state    {p}{live}:states         hash state -> count

  ARGV:
    ARGV[1] conversation id
    ARGV[2] the commit's ver (for a removal: "1e300", above every commit's)
    ARGV[3] its state, or "" to remove

  Replies (the convention of server/redis/lua-script.ts):
    {"ok", applied}   applied: 1 when the index changed, 0 when it already held this or newer
]]
local rcall = redis.call
local id = ARGV[1]
local ver = tonumber(ARGV[2])
local entry = rcall("HGET", KEYS[1], id)
local oldVer, oldState = 0, nil
if entry then
  local bar = string.find(entry, "|", 1, true)
  oldVer = tonumber(string.sub(entry, 1, bar - 1))
  oldState = string.sub(entry, bar + 1)
end
if entry and oldVer >= ver then
  return {"ok", 0}
end
if oldState then rcall("HINCRBY", KEYS[2], oldState, -1) end
if ARGV[3] == "" then
  rcall("HDEL", KEYS[1], id)
else
  rcall("HSET", KEYS[1], id, ARGV[2] .. "|" .. ARGV[3])
  rcall("HINCRBY", KEYS[2], ARGV[3], 1)
end
return {"ok", 1}
