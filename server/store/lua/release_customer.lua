--[[
  release_customer: clears the customer's open-conversation pointer if it still names this
  conversation (compare-and-delete), once the conversation stopped being joinable or is gone. The
  pointer's own slot only; run after the conversation's commit. Idempotent: running it again, or
  after another conversation claimed the pointer, changes nothing. A node that dies before running
  it leaves the pointer on a conversation that is no longer joinable, which readers take as none
  (redis-store.ts, `updateForCustomer`).

  KEYS:
    KEYS[1] the customer's open-conversation pointer {p}customer:{customerId}:open

  ARGV:
    ARGV[1] the conversation id

  Replies (the convention of server/redis/lua-script.ts):
    {"ok", cleared}   cleared: 1 when the pointer was cleared, 0 when it named another (or none)
]]
if redis.call("GET", KEYS[1]) == ARGV[1] then
  redis.call("DEL", KEYS[1])
  return {"ok", 1}
end
return {"ok", 0}
