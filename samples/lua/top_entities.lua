-- Prints the most frequent places and organizations in a folder of texts.
--
--   quarry lua samples/lua/top_entities.lua [FOLDER] [N]
--
-- It reads the *.txt files of FOLDER.
--
-- FOLDER defaults to samples/news, N to 10. The pipeline is the same one a
-- YAML file would describe; the last step is a plain Lua function, which
-- runs in this script's own state (so it may update `counts` below).
local q = require "quarry"

local here = (arg and arg[0] or ""):match("^(.*)/") or "."
local folder = arg[1] or here .. "/../news"
local top_n = tonumber(arg[2]) or 10

local counts = {}          -- "LABEL\tid" -> number of mentions
local docs = 0

local p = assert(q.pipeline{
  name = "top-entities",
  input = { format = "text" },
  steps = {
    { tokenize = {} },
    -- relative paths start at this script's folder, as YAML paths start at the YAML file's
    { gazetteer = { lists = { { path = "data/places.tsv" } }, case = "smart" } },
    function(doc)
      docs = docs + 1
      for _, _, _, label, id in doc:entities() do
        local key = label .. "\t" .. id
        counts[key] = (counts[key] or 0) + 1
      end
    end,
  },
})

local summary = assert(p:run{ inputs = { folder .. "/*.txt" } })

local rows = {}
for key, n in pairs(counts) do rows[#rows + 1] = { key = key, n = n } end
table.sort(rows, function(a, b)
  if a.n ~= b.n then return a.n > b.n end
  return a.key < b.key
end)

print(string.format("%d documents, %d distinct entities", summary.written, #rows))
for i = 1, math.min(top_n, #rows) do
  local label, id = rows[i].key:match("^(.-)\t(.*)$")
  print(string.format("%4d  %-4s %s", rows[i].n, label, id))
end
