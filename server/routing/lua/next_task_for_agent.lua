--[[
  next_task_for_agent: nextTaskFor and offerTask in one step. For an agent with a free slot, the
  oldest queued push-mode task it may take (its lists, and tasks without a list; its skills; not
  excluded; not targeted at another agent), offered to it. Walks each of those queues from its head only until
  the first task the agent may take, or one newer than the best found so far.

  KEYS:
    KEYS[1] agent hash {p}agent:{agentId}

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] agentId
    ARGV[3] now, ISO (offeredAt)
    ARGV[4] expiresAt, epoch ms

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", taskHash}   offered to the agent
    {"ok"}             none: unknown agent, no free slot, or no task it may take
]]
local agentId = ARGV[2]
local a = readAgent(agentId)
if not a or not isFree(a) then return ok() end

local queues = {pushKey(nil)}
for _, l in ipairs(a.lists) do queues[#queues + 1] = pushKey(l) end

local best, bestScore = nil, nil
for _, q in ipairs(queues) do
  local start, batch, done = 0, 16, false
  while not done do
    local page = rcall("ZRANGE", q, start, start + batch - 1, "WITHSCORES")
    if #page == 0 then break end
    for i = 1, #page, 2 do
      local tid, score = page[i], tonumber(page[i + 1])
      if bestScore ~= nil and score > bestScore then
        done = true
        break
      end
      local t = readTask(tid)
      -- mayTake of routing-rules.ts (a is free: checked above)
      if t and t.mode == "push" and t.state == "queued" and fitsTask(a, t) and not excludedSet(t)[agentId] then
        if best == nil or score < bestScore or (score == bestScore and bytesLess(tid, best.id)) then
          best, bestScore = t, score
        end
        done = true
        break
      end
    end
    start = start + batch
  end
end
if not best then return ok() end
return ok(offer(best, agentId, ARGV[3], ARGV[4]))
