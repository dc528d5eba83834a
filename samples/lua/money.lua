-- A custom step: finds amounts of money ($28 billion, €1,200.50, £3m) and
-- percentages (3.5%, 12 percent) with string.find, and adds them to the
-- document as MONEY and PERCENT entities.
--
-- Use it from YAML:   - lua: { script: money.lua }
-- or from Lua:        { lua = { script = "money.lua" } }
-- Each worker thread loads this file into its own Lua state and calls
-- process(doc) for every document.

local SCALES = { thousand = true, million = true, billion = true, trillion = true,
                 m = true, bn = true }
local CURRENCIES = { "%$", "€", "£" }

-- Adds every match of `pattern` as `label`; `extend(text, e)` may move the end.
local function add_all(doc, pattern, label, extend)
  local text = doc.text
  local init = 1
  while true do
    local s, e = text:find(pattern, init)
    if not s then return end
    while text:sub(e, e) == "," do e = e - 1 end       -- "$1,000," ends before the comma
    e = extend(text, e)
    doc:add_entity(s, e, label)
    init = e + 1
  end
end

local function money_end(text, e)
  local _, de = text:find("^%.%d+", e + 1)             -- cents
  e = de or e
  local _, we, word = text:find("^ ?(%a+)", e + 1)      -- " billion", "m"
  if word and SCALES[word:lower()] then e = we end
  return e
end

local function percent_end(text, e)
  if text:sub(e, e) == "%" then return e end
  local _, we = text:find("^ per ?cent", e + 1)
  return we or e
end

function process(doc)
  for _, symbol in ipairs(CURRENCIES) do
    add_all(doc, symbol .. "%d[%d,]*", "MONEY", money_end)
  end
  add_all(doc, "%d+%.?%d*%%", "PERCENT", percent_end)
  add_all(doc, "%d+%.?%d* per ?cent", "PERCENT", percent_end)
end
