--[[
  create_task: a queued task, or (unlessPending) the conversation's task already waiting for an
  agent. Atomic, so two nodes deciding "this needs a human" at once make one task.

  KEYS:
    KEYS[1] task hash {p}task:{taskId}
    KEYS[2] the conversation's task list {p}conv-tasks:{conversationId}

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] taskId
    ARGV[3] conversationId
    ARGV[4] "1" when the task has a list, else "0"
    ARGV[5] listId (ignored without ARGV[4])
    ARGV[6] mode "push" | "pull"
    ARGV[7] "1" when only one agent may get it (targetAgentId), else "0"
    ARGV[8] targetAgentId (ignored without ARGV[7])
    ARGV[9] "1" for unlessPending
    ARGV[10] now, epoch ms
    ARGV[11] now, ISO (createdAt)
    ARGV[12] reason (TaskReason)
    ARGV[13] required skills as a JSON array of strings, or "" for none
    ARGV[14] excluded agents as a JSON array of strings, no duplicates (the caller's `exclude`)

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", "1", taskHash}   created
    {"ok", "0", taskHash}   unlessPending: the first queued or offered task of the conversation
    {"err", "conflict", "task exists", '{"taskId":..}'}  the id exists
]]
local id = ARGV[2]
if rcall("EXISTS", KEYS[1]) == 1 then
  return err("conflict", "task exists", {taskId = id})
end
if ARGV[9] == "1" then
  for _, tid in ipairs(rcall("LRANGE", KEYS[2], 0, -1)) do
    local state = rcall("HGET", taskKey(tid), "state")
    if state == "queued" or state == "offered" then
      return ok("0", taskReply(tid))
    end
  end
end

local t = {id = id, conversationId = ARGV[3], mode = ARGV[6], createdMs = ARGV[10]}
rcall("HSET", KEYS[1], "id", id, "conversationId", ARGV[3], "state", "queued", "createdAt", ARGV[11],
  "createdMs", ARGV[10], "mode", ARGV[6], "excluded", ARGV[14], "reason", ARGV[12])
if ARGV[13] ~= "" then rcall("HSET", KEYS[1], "requiredSkills", ARGV[13]) end
if ARGV[4] == "1" then
  t.listId = ARGV[5]
  rcall("HSET", KEYS[1], "listId", ARGV[5])
end
if ARGV[7] == "1" then rcall("HSET", KEYS[1], "target", ARGV[8]) end
rcall("RPUSH", KEYS[2], id)
enqueue(t)
return ok("1", taskReply(id))
