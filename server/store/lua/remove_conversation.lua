--[[
  remove_conversation: drops a conversation's live state (once the archive has it), unless it
  changed since its participants were read.

  KEYS:
    KEYS[1] conversation hash   {p}conv:{id}
    KEYS[2] activity log list   {p}conv:{id}:log
    KEYS[3] clientMessageId map {p}conv:{id}:cmid
    KEYS[4] the customer's open-conversation pointer {p}customer:{customerId}:open
    KEYS[5] set of live conversation ids
    KEYS[6] live conversations per state (hash state -> count)
    KEYS[7..] participant index sets of the participants in the doc as read

  ARGV:
    ARGV[1] conversation id
    ARGV[2] the `ver` read with the doc

  Replies (the convention of server/redis/lua-script.ts):
    {"ok"}    removed (or was gone already)
    {"err", "stale", "conversation changed since it was read"}
              nothing removed: read again and retry
]]
local rcall = redis.call
local id = ARGV[1]
local ver = rcall("HGET", KEYS[1], "ver")
if not ver then
  rcall("SREM", KEYS[5], id)
  return {"ok"}
end
if ver ~= ARGV[2] then
  return {"err", "stale", "conversation changed since it was read"}
end
local state = rcall("HGET", KEYS[1], "state")
if state then rcall("HINCRBY", KEYS[6], state, -1) end
rcall("DEL", KEYS[1], KEYS[2], KEYS[3])
if rcall("GET", KEYS[4]) == id then
  rcall("DEL", KEYS[4])
end
rcall("SREM", KEYS[5], id)
for k = 7, #KEYS do
  rcall("SREM", KEYS[k], id)
end
return {"ok"}
