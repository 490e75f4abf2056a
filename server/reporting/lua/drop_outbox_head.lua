--[[
  drop_outbox_head: removes a flushed batch from the head of the report outbox, only when the head
  is still that batch (a second flusher of the same batch must not remove unwritten entries).

  KEYS:
    KEYS[1] the outbox list  {p}reports:outbox  (JSON entries {"i": id, "e": event}, oldest first)

  ARGV:
    ARGV[1] the batch's first entry, exactly as LRANGE gave it
    ARGV[2] how many entries the batch has

  Replies (the convention of server/redis/lua-script.ts):
    {"ok", n}   n entries removed: ARGV[2], or 0 when the head is not ARGV[1]
]]
local n = tonumber(ARGV[2])
if n == nil or n < 1 or redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then
  return {'ok', 0}
end
redis.call('LTRIM', KEYS[1], n, -1)
return {'ok', n}
