--[[
  read_tasks: the tasks an index names, read in one step (tasksOf, queued, waiting).

  KEYS:
    KEYS[1] a conversation's task list {p}conv-tasks:{id} or a queued or waiting index
            ({p}queued:{listId}, {p}waiting:{listId}, their -nolist forms)

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] "list" | "zset": the type of KEYS[1]

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", {taskHash...}}  in index order (tasks gone meanwhile left out)
]]
local ids
if ARGV[2] == "list" then
  ids = rcall("LRANGE", KEYS[1], 0, -1)
else
  ids = rcall("ZRANGE", KEYS[1], 0, -1)
end
local out = {}
for _, tid in ipairs(ids) do
  local flat = taskReply(tid)
  if #flat > 0 then out[#out + 1] = flat end
end
return ok(out)
