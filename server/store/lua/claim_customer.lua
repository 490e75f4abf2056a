--[[
  claim_customer: points the customer's open-conversation pointer at a conversation just created,
  if it still holds what was read (compare-and-set). The pointer's own slot only.

  Order (redis-store.ts, `commit`): the conversation is created first, then claimed here. The
  pointer therefore never names a conversation that does not exist yet, and of two nodes creating
  a conversation for one customer at once exactly one claim succeeds; the loser removes its new
  conversation (nobody has seen it: it is published only after the commit) and runs its
  transition again, which then finds the winner's. One open conversation per customer.

  KEYS:
    KEYS[1] the customer's open-conversation pointer {p}customer:{customerId}:open

  ARGV:
    ARGV[1] the pointer's value as read, "" for none
    ARGV[2] the new conversation id

  Replies (the convention of server/redis/lua-script.ts):
    {"ok"}    the pointer now names ARGV[2]
    {"err", "stale", "the customer's open conversation changed since it was read"}
]]
local now = redis.call("GET", KEYS[1]) or ""
if now ~= ARGV[1] and now ~= ARGV[2] then
  return {"err", "stale", "the customer's open conversation changed since it was read"}
end
redis.call("SET", KEYS[1], ARGV[2])
return {"ok"}
