--[[
  routing_task_lib: the second part of every routing script's prelude (after routing_lib.lua, whose
  header lists the keys and reply values): tasks, their indexes, offers and the agent pick.
]]

-- The task hash as a table (listId, agentId, target, requiredSkills nil when absent), or nil when unknown.
local function readTask(id)
  local flat = rcall("HGETALL", taskKey(id))
  if #flat == 0 then return nil end
  return hashOf(flat)
end

local function taskReply(id)
  return rcall("HGETALL", taskKey(id))
end

-- Queued (again): in the queued, push (push mode) and waiting indexes of its list.
local function enqueue(t)
  rcall("ZADD", queuedKey(t.listId), t.createdMs, t.id)
  if t.mode == "push" then rcall("ZADD", pushKey(t.listId), t.createdMs, t.id) end
  rcall("ZADD", waitingKey(t.listId), t.createdMs, t.id)
end

-- No longer queued (offered, taken or closed); still waiting while offered.
local function unqueue(t)
  rcall("ZREM", queuedKey(t.listId), t.id)
  rcall("ZREM", pushKey(t.listId), t.id)
end

-- No longer waiting for an agent (accepted or closed).
local function unwait(t)
  unqueue(t)
  rcall("ZREM", waitingKey(t.listId), t.id)
end

-- Accepted: its wait (ms) joins the list's last 20, for averageWaitSeconds.
local function noteWait(t, nowMs)
  local key = waitsKey(t.listId)
  rcall("LPUSH", key, string.format("%d", tonumber(nowMs) - tonumber(t.createdMs)))
  rcall("LTRIM", key, 0, 19)
end

-- queued -> offered to agentId (offerTask), holding a slot of its capacity. Answers the taskHash.
local function offer(t, agentId, nowIso, expiresAt)
  rcall("HSET", taskKey(t.id), "state", "offered", "agentId", agentId, "offeredAt", nowIso, "offerExpiresAt", expiresAt)
  unqueue(t)
  addOffer(agentId, t.id)
  return taskReply(t.id)
end

-- closeTask of the memory store: changed, then revokedAgentId, freedAgentId, revokedOfferedAt or false.
local function closeOne(t, nowMs, nowIso)
  if t.state == "closed" then return false, false, false, false end
  local key = taskKey(t.id)
  rcall("HSET", key, "state", "closed", "closedAt", nowIso)
  rcall("HDEL", key, "offerExpiresAt")
  unwait(t)
  local revoked, freed, revokedAt = false, false, false
  if t.state == "offered" and t.agentId ~= nil then
    dropOffer(t.agentId, t.id)
    revoked = t.agentId
    if t.offeredAt ~= nil then revokedAt = t.offeredAt end
  end
  if t.state == "accepted" and t.agentId ~= nil then
    if freeLoad(t.agentId, t.conversationId, nowMs) then freed = t.agentId end
  end
  return true, revoked, freed, revokedAt
end

-- A ClosedTask reply: {taskHash, changed "1"|"0", revoked, freed, revokedOfferedAt ("" | "1" .. value)}.
local function closedReply(id, changed, revoked, freed, revokedAt)
  local function opt(v)
    if v then return "1" .. v end
    return ""
  end
  local c = "0"
  if changed then c = "1" end
  return {taskReply(id), c, opt(revoked), opt(freed), opt(revokedAt)}
end

local function excludedSet(t)
  local set = {}
  for _, a in ipairs(cjson.decode(t.excluded)) do set[a] = true end
  return set
end

-- Whether agent a may be offered t now, exclusions aside (fits of routing-rules.ts).
local function fitsTask(a, t)
  return isFree(a) and serves(a, t.listId) and hasSkills(a, t) and (t.target == nil or t.target == a.id)
end

--[[
  pickAgent over the free index of the task's list (agents with a free slot, idle longest first,
  ties by agentId): the first one not in `excluded` (a set) with the task's skills; only the target
  for a targeted task. O(log n + agents skipped). The index is the source of the decision; the
  agent's hash is read back as a guard, and an entry that disagrees (it cannot, unless a script died
  half-way) is repaired instead of used. Answers the agent id or nil, and how many were repaired.
]]
local function pickFree(t, excluded)
  local fk = freeKey(t.listId)
  local stale = {}
  local function fits(agentId)
    if excluded[agentId] then return false end
    local a = readAgent(agentId)
    if a and isFree(a) and serves(a, t.listId) then return hasSkills(a, t) end
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
  return picked, #stale
end

-- ==== the script ===========================================================================
