--[[
  offer_next: pickAgent and offerTask in one step. Walks the free index of the task's list (agents
  with a free slot, idle longest first, ties by agentId) and offers the task to the first one not
  excluded (only the target agent for a targeted task). O(log n + agents skipped).

  KEYS:
    KEYS[1] task hash {p}task:{taskId}

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] taskId
    ARGV[3] now, ISO (offeredAt)
    ARGV[4] expiresAt, epoch ms

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", repaired, taskHash, agentId}  offered
    {"ok", repaired}                     no agent fits, or not a queued push-mode task: the task unchanged
    {"err", "not_found", "task"}
  repaired: how many stale entries of the free index were found and repaired (normally 0)
]]
local t = readTask(ARGV[2])
if not t then return err("not_found", "task") end
if t.mode ~= "push" or t.state ~= "queued" then return ok(0) end

local excluded = excludedSet(t)
local fk = freeKey(t.listId)
local stale = {}
-- The index is the source of the decision; the agent's hash is read back as a guard, and an entry
-- that disagrees (it cannot, unless a script died half-way) is repaired instead of used.
local function fits(agentId)
  if excluded[agentId] then return false end
  local a = readAgent(agentId)
  if a and isFree(a) and serves(a, t.listId) then return true end
  stale[#stale + 1] = agentId
  return false
end

local picked = nil
if t.target ~= nil then
  if rcall("ZSCORE", fk, t.target) and fits(t.target) then picked = t.target end
else
  local start, batch = 0, 16
  while not picked do
    local ids = rcall("ZRANGE", fk, start, start + batch - 1)
    if #ids == 0 then break end
    for _, agentId in ipairs(ids) do
      if fits(agentId) then
        picked = agentId
        break
      end
    end
    start = start + batch
  end
end
for _, agentId in ipairs(stale) do
  rcall("ZREM", fk, agentId)
  syncAgent(agentId)
end
if not picked then return ok(#stale) end
return ok(#stale, offer(t, picked, ARGV[3], ARGV[4]), picked)
