-- Golden test of the lua step: init(options), process(doc) returning false,
-- init's info, fields of every JSON type, a new entity type, labels,
-- finish(), require.
local util = require "util"
local min, seen = nil, 0

local where

function init(options, info)
  min = options.min
  where = ("%s in %s, %d worker(s), script in %s"):format(info.step, info.pipeline, info.jobs,
                                                         info.script_dir)
end

function process(doc)
  seen = seen + 1
  if doc.meta.skip then return false end
  local n = #doc:entities()
  local cities = {}
  for _, s, e in doc:entities("CITY") do cities[#cities + 1] = doc.text:sub(s, e) end
  doc.fields.n_entities = n
  doc.fields.busy = n >= min
  doc.fields.cities = cities
  doc.fields.first_token = doc:tokens()[1].key
  local s, e, value = util.percent(doc.text)
  if s then doc:add_entity(s, e, "PERCENT", nil, { value = value }) end
  doc:set_label(n >= min and "busy" or "quiet", 0.9)
end

function finish()
  print(("tag.lua saw %d documents (%s)"):format(seen, where))
end
