--[[
  commit_transition: commits the outcome of a conversation transition computed in JS, if nothing
  changed since it was read (optimistic concurrency); otherwise the caller runs the transition again.

  KEYS:
    KEYS[1]  conversation hash   {p}conv:{id}      (fields doc, ver, seq, state, customer, s:{sessionId})
    KEYS[2]  activity log list   {p}conv:{id}:log
    KEYS[3]  clientMessageId map {p}conv:{id}:cmid
    KEYS[4]  the customer's open-conversation pointer {p}customer:{customerId}:open
    KEYS[5]  set of live conversation ids {p}conversations
    KEYS[6]  live conversations per state {p}conversation-states (hash state -> count)
    KEYS[7.. 6+J]      participant index sets {p}participant:{pid}:conversations of participants who joined
    KEYS[7+J .. 6+J+L] the same for participants who left

  ARGV:
    ARGV[1]  the `ver` read with the doc; "0" when creating: the conversation must not exist
    ARGV[2]  "1" to also require that the pointer (KEYS[4]) still holds ARGV[3], "0" not to check it
    ARGV[3]  the pointer's value as read, "" for none
    ARGV[4]  conversation id
    ARGV[5]  the new doc, JSON
    ARGV[6]  its state
    ARGV[7]  "1" when that state is joinable (not closing/closed), else "0"
    ARGV[8]  customer id
    ARGV[9]  J, ARGV[10] L: how many participant index keys follow KEYS[6] (joined, then left)
    ARGV[11] N, then N pairs: open channel session id, its openedAt (epoch ms)
    then     C, then C closed channel session ids
    then     A, then A pairs: activity JSON without seq (spliced, never decoded), its clientMessageId or ""
    then     the open sessions a connector serves, JSON ("" for none): returned by every append

  Replies (the convention of server/redis/lua-script.ts):
    {"ok", ver, lastSeq}  committed; the activities got seqs lastSeq-A+1 .. lastSeq, in order
    {"err", "stale", "conversation changed since it was read"}
                          the conversation (or the pointer) changed since it was read: nothing
                          written, the caller reads again and reruns the transition
]]
local rcall = redis.call
local conv = KEYS[1]
local id = ARGV[4]

local ver = rcall("HGET", conv, "ver") or "0"
if ver ~= ARGV[1] then
  return {"err", "stale", "conversation changed since it was read"}
end
if ARGV[2] == "1" and (rcall("GET", KEYS[4]) or "") ~= ARGV[3] then
  return {"err", "stale", "the customer's open conversation changed since it was read"}
end

-- The per-state counts follow the state field: one out of the old state, one into the new.
local oldState = rcall("HGET", conv, "state")
if oldState ~= ARGV[6] then
  if oldState then rcall("HINCRBY", KEYS[6], oldState, -1) end
  rcall("HINCRBY", KEYS[6], ARGV[6], 1)
end

local newVer = rcall("HINCRBY", conv, "ver", 1)
rcall("HSET", conv, "doc", ARGV[5], "state", ARGV[6], "customer", ARGV[8])
if newVer == 1 then
  rcall("HSETNX", conv, "seq", 0)
  rcall("SADD", KEYS[5], id)
end

-- Participant index (who is in which live conversation).
local joined = tonumber(ARGV[9])
local left = tonumber(ARGV[10])
for k = 7, 6 + joined do
  rcall("SADD", KEYS[k], id)
end
for k = 7 + joined, 6 + joined + left do
  rcall("SREM", KEYS[k], id)
end

-- Channel sessions: a field per open one holding the customer's last activity; closed ones go.
local i = 11
local open = tonumber(ARGV[i])
for j = 1, open do
  rcall("HSETNX", conv, "s:" .. ARGV[i + 2 * j - 1], ARGV[i + 2 * j])
end
i = i + 2 * open + 1
local closed = tonumber(ARGV[i])
for j = 1, closed do
  rcall("HDEL", conv, "s:" .. ARGV[i + j])
end
i = i + closed + 1

-- Activities, seqs in order.
local count = tonumber(ARGV[i])
local lastSeq
if count > 0 then
  lastSeq = rcall("HINCRBY", conv, "seq", count)
  local seq = lastSeq - count
  for j = 1, count do
    seq = seq + 1
    local json = ARGV[i + 2 * j - 1]
    rcall("RPUSH", KEYS[2], string.sub(json, 1, -2) .. ',"seq":' .. seq .. "}")
    local cmid = ARGV[i + 2 * j]
    if cmid ~= "" then
      rcall("HSET", KEYS[3], cmid, seq)
    end
  end
else
  lastSeq = tonumber(rcall("HGET", conv, "seq"))
end
local connectors = ARGV[i + 2 * count + 1]
if connectors and connectors ~= "" then
  rcall("HSET", conv, "connectors", connectors)
else
  rcall("HDEL", conv, "connectors")
end

-- The customer's open conversation: this one while joinable; cleared when it stops being joinable.
if ARGV[7] == "1" then
  rcall("SET", KEYS[4], id)
elseif rcall("GET", KEYS[4]) == id then
  rcall("DEL", KEYS[4])
end

return {"ok", newVer, lastSeq}
