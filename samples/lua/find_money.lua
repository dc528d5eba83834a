-- Runs the custom step money.lua over a folder of texts and prints every
-- amount and percentage it found, in text order.
--
--   quarry lua samples/lua/find_money.lua [FOLDER]
local q = require "quarry"

local here = (arg and arg[0] or ""):match("^(.*)/") or "."
local folder = arg[1] or here .. "/../news"

local p = assert(q.pipeline{
  name = "find-money",
  input = { format = "text" },
  steps = {
    { lua = { script = "money.lua" } },     -- runs in parallel worker states
    function(doc)                           -- runs here, in input order
      local found = {}
      for _, s, e, label in doc:entities() do found[#found + 1] = { s, e, label } end
      table.sort(found, function(a, b) return a[1] < b[1] end)
      local name = doc.id:match("[^/]*$")
      for _, f in ipairs(found) do
        print(string.format("%s:%d-%d\t%-7s %s", name, f[1], f[2], f[3], doc.text:sub(f[1], f[2])))
      end
    end,
  },
})

local summary = assert(p:run{ inputs = { folder .. "/*.txt" } })
print(string.format("%d documents read, %d written", summary.read, summary.written))
