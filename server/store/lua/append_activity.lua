--[[
  append_activity: appends one activity to a live, joinable conversation with the next seq (the
  store's hot path: one round trip).

  KEYS:
    KEYS[1] conversation hash   {p}conv:{id}      (fields doc, ver, seq, state, customer, s:{sessionId})
    KEYS[2] activity log list   {p}conv:{id}:log  (element i holds the activity with seq i+1)
    KEYS[3] clientMessageId map {p}conv:{id}:cmid (clientMessageId -> seq)

  ARGV:
    ARGV[1] the activity's JSON without `seq`: a JSON object, spliced here, never decoded
    ARGV[2] its clientMessageId, or "" for none
    ARGV[3] the customer's channel session it came through, or "" for none
    ARGV[4] the activity's time, epoch ms (the session's last customer activity)
    ARGV[5] (optional) the sender's participant id: it must be in the conversation (its hash's
            p:{participantId} field, kept by commit_conversation)

  Replies (the convention of server/redis/lua-script.ts):
    {"ok", "appended", seq, connectors, state}
                                          appended with this seq; connectors: the hash's
                                          `connectors` field (JSON of the open sessions a
                                          connector serves) or "" for none; state: the
                                          conversation's state
    {"ok", "duplicate", activityJson}     a duplicate clientMessageId: the first activity
    {"err", "not_found", "conversation"}  no such live conversation, or it is closing/closed
    {"err", "forbidden", "not a participant of this conversation"}
                                          the sender (ARGV[5]) is not a participant of it
    {"err", "session_closed"}             ARGV[3] names no open channel session of the conversation
]]
local rcall = redis.call

local state = rcall("HGET", KEYS[1], "state")
if not state or state == "closing" or state == "closed" then
  return {"err", "not_found", "conversation"}
end

if ARGV[5] and rcall("HEXISTS", KEYS[1], "p:" .. ARGV[5]) == 0 then
  return {"err", "forbidden", "not a participant of this conversation"}
end

local cmid = ARGV[2]
if cmid ~= "" then
  local seen = rcall("HGET", KEYS[3], cmid)
  if seen then
    return {"ok", "duplicate", rcall("LINDEX", KEYS[2], tonumber(seen) - 1)}
  end
end

local sessionId = ARGV[3]
if sessionId ~= "" then
  local field = "s:" .. sessionId
  if rcall("HEXISTS", KEYS[1], field) == 0 then
    return {"err", "session_closed"}
  end
  rcall("HSET", KEYS[1], field, ARGV[4])
end

local seq = rcall("HINCRBY", KEYS[1], "seq", 1)
-- Splice "seq" into the JSON text: a cjson round trip would turn [] into {}.
local json = ARGV[1]
rcall("RPUSH", KEYS[2], string.sub(json, 1, -2) .. ',"seq":' .. seq .. "}")
if cmid ~= "" then
  rcall("HSET", KEYS[3], cmid, seq)
end
return {"ok", "appended", seq, rcall("HGET", KEYS[1], "connectors") or "", state}
