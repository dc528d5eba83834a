-- A module next to the step's script: `require` finds it there.
local util = {}

function util.percent(text)
  local s, e = text:find("%d+ ?%%")
  if s then return s, e, tonumber(text:match("%d+", s)) end
end

return util
