--[[
  retarget_task: a queued task (a transfer its target refused) loses its target and joins another
  list in another mode, with more agents excluded (appended, oldest first, no duplicates). Its
  indexes move with it.

  KEYS:
    KEYS[1] task hash {p}task:{taskId}

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] taskId
    ARGV[3] "1" when the task joins a list, else "0" (no list)
    ARGV[4] listId (ignored without ARGV[3])
    ARGV[5] mode "push" | "pull"
    ARGV[6] agents to exclude, a JSON array of strings

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", taskHash}
    {"err", "not_found", "task"}
    {"err", "conflict", message, '{"taskId":..,"state":..}'}  not queued
]]
local t = readTask(ARGV[2])
if not t then return err("not_found", "task") end
if t.state ~= "queued" then
  return err("conflict", "cannot retarget a task that is " .. t.state, {taskId = t.id, state = t.state})
end

unwait(t)
local excluded = cjson.decode(t.excluded)
for _, agentId in ipairs(cjson.decode(ARGV[6])) do
  if not contains(excluded, agentId) then excluded[#excluded + 1] = agentId end
end
rcall("HSET", KEYS[1], "mode", ARGV[5], "excluded", encodeStrings(excluded))
rcall("HDEL", KEYS[1], "target")
if ARGV[3] == "1" then
  rcall("HSET", KEYS[1], "listId", ARGV[4])
  t.listId = ARGV[4]
else
  rcall("HDEL", KEYS[1], "listId")
  t.listId = nil
end
t.mode = ARGV[5]
enqueue(t)
return ok(taskReply(t.id))
