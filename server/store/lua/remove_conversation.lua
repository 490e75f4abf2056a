--[[
  remove_conversation: drops a conversation's live state (once the archive has it, or when its
  creation lost the customer's pointer to another), unless it changed since it was read. Only the
  conversation's own keys (one slot): the caller then clears the pointer and the indexes, which
  follow the conversation (redis-store.ts, `remove`).

  KEYS:
    KEYS[1] conversation hash   {p}conv:{id}
    KEYS[2] activity log list   {p}conv:{id}:log
    KEYS[3] clientMessageId map {p}conv:{id}:cmid

  ARGV:
    ARGV[1] the `ver` read with the doc

  Replies (the convention of server/redis/lua-script.ts):
    {"ok"}    removed (or was gone already)
    {"err", "stale", "conversation changed since it was read"}
              nothing removed: read again and retry
]]
local rcall = redis.call
local ver = rcall("HGET", KEYS[1], "ver")
if ver and ver ~= ARGV[1] then
  return {"err", "stale", "conversation changed since it was read"}
end
rcall("DEL", KEYS[1], KEYS[2], KEYS[3])
return {"ok"}
