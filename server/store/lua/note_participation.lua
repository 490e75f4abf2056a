--[[
  note_participation: records in a participant's index that it joined or left a conversation,
  after the conversation's commit (`conversationsOf`). The participant's own slot only.

  Each entry carries the version of the commit that made it, and a leave removes an entry only if
  it is not newer than the leave, so notes arriving out of order (a join and a leave committed on
  two nodes) never hide a real participation. What may remain is an entry the conversation no
  longer backs (a late join, a node killed between commit and note): readers check each entry
  against the conversation, which is the truth (redis-store.ts, `conversationsOf`).

  KEYS:
    KEYS[1] the participant's index {p}participant:{pid}:conversations  hash conversation id -> ver

  ARGV:
    ARGV[1] conversation id
    ARGV[2] the commit's ver (for a removal of the conversation: "1e300")
    ARGV[3] "1" joined, "0" left

  Replies (the convention of server/redis/lua-script.ts):
    {"ok"}
]]
local rcall = redis.call
local had = tonumber(rcall("HGET", KEYS[1], ARGV[1]) or "-1")
local ver = tonumber(ARGV[2])
if ARGV[3] == "1" then
  if ver > had then rcall("HSET", KEYS[1], ARGV[1], ARGV[2]) end
elseif had <= ver then
  rcall("HDEL", KEYS[1], ARGV[1])
end
return {"ok"}
