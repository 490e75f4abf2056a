--[[
  commit_conversation: commits the outcome of a conversation transition computed in JS, if nothing
  changed since it was read (optimistic concurrency); otherwise the caller runs the transition again.

  Every key is the conversation's own (one hash tag, one Redis Cluster slot). What spans slots (the
  customer's open-conversation pointer, the live index, the participant indexes) is done by the
  caller after this commit, in single-slot steps ordered so the guarantees hold (redis-store.ts,
  `commit`): the conversation is the truth; the pointer and the indexes follow it.

  KEYS:
    KEYS[1]  conversation hash   {p}conv:{id}      (fields doc, ver, seq, state, customer,
                                                   s:{sessionId}, p:{participantId}, connectors)
    KEYS[2]  activity log list   {p}conv:{id}:log
    KEYS[3]  clientMessageId map {p}conv:{id}:cmid

  ARGV:
    ARGV[1]  the `ver` read with the doc; "0" when creating: the conversation must not exist
    ARGV[2]  the new doc, JSON
    ARGV[3]  its state
    ARGV[4]  customer id
    ARGV[5]  J, then J ids of (non-customer) participants who joined
    then     L, then L ids of participants who left
    then     N, then N pairs: open channel session id, its openedAt (epoch ms)
    then     C, then C closed channel session ids
    then     A, then A pairs: activity JSON without seq (spliced, never decoded), its clientMessageId or ""
    then     the open sessions a connector serves, JSON ("" for none): returned by every append

  Replies (the convention of server/redis/lua-script.ts):
    {"ok", ver, lastSeq, oldState}
                          committed; the activities got seqs lastSeq-A+1 .. lastSeq, in order;
                          oldState is the state before ("" when created)
    {"err", "stale", "conversation changed since it was read"}
                          nothing written: the caller reads again and reruns the transition
]]
local rcall = redis.call
local conv = KEYS[1]

local ver = rcall("HGET", conv, "ver") or "0"
if ver ~= ARGV[1] then
  return {"err", "stale", "conversation changed since it was read"}
end

local oldState = rcall("HGET", conv, "state") or ""
local newVer = rcall("HINCRBY", conv, "ver", 1)
rcall("HSET", conv, "doc", ARGV[2], "state", ARGV[3], "customer", ARGV[4])
if newVer == 1 then
  rcall("HSETNX", conv, "seq", 0)
end

-- Who is in it (besides the customer): append's membership check reads these fields.
local i = 5
local joined = tonumber(ARGV[i])
for j = 1, joined do
  rcall("HSET", conv, "p:" .. ARGV[i + j], 1)
end
i = i + joined + 1
local left = tonumber(ARGV[i])
for j = 1, left do
  rcall("HDEL", conv, "p:" .. ARGV[i + j])
end
i = i + left + 1

-- Channel sessions: a field per open one holding the customer's last activity; closed ones go.
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

return {"ok", newVer, lastSeq, oldState}
