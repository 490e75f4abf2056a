--[[
  offer_next: pickAgent and offerTask in one step. Walks the free index of the task's list (agents
  with a free slot, idle longest first, ties by agentId) and offers the task to the first one not
  excluded and with its skills (only the target agent for a targeted task): pickFree of
  routing_task_lib.lua. O(log n + agents skipped).

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

local picked, repaired = pickFree(t, excludedSet(t))
if not picked then return ok(repaired) end
return ok(repaired, offer(t, picked, ARGV[3], ARGV[4]), picked)
