-- Runs the ```lua blocks of a Markdown page that show their output with
-- `-->` comments, and prints one line per block: "ok LINE" or
-- "FAILED LINE: expected … got …". Used by tests/cli/test_docs.sh:
--   quarry lua tests/cli/docs_examples.lua docs/lua.md
-- A comment is either a line `--> output` or a trailing `--> a   then b`
-- (two printed lines); a parenthesized remark after the output is ignored.
-- Whitespace is compared as single spaces. The blocks run in the current
-- folder with `q` already loaded, in order, so later blocks may use files
-- that earlier ones wrote.
local q = require "quarry"

local function squeeze(s)
  return (s:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

local function expected_of(code)
  local out = {}
  for line in code:gmatch("[^\n]*") do
    local c = line:match("%-%->%s*(.*)$")
    if c then
      c = c:gsub("%s+%(.-%)%s*$", "")
      for part in (c .. "   then "):gmatch("(.-)%s+then%s+") do
        out[#out + 1] = squeeze(part)
      end
    end
  end
  return out
end

local function run(code)
  local printed = {}
  local env = setmetatable({
    q = q,
    print = function(...)
      local t = table.pack(...)
      for i = 1, t.n do t[i] = tostring(t[i]) end
      printed[#printed + 1] = squeeze(table.concat(t, " ", 1, t.n))
    end,
  }, { __index = _G })
  local chunk, err = load(code, "=block", "t", env)
  if not chunk then return nil, err end
  local ok, msg = pcall(chunk)
  if not ok then return nil, tostring(msg) end
  return printed
end

local path = assert(arg[1], "usage: docs_examples.lua FILE.md")
local f = assert(io.open(path))
local text = f:read("a")
f:close()

local line_no, block, start = 0, nil, nil
for line in (text .. "\n"):gmatch("(.-)\n") do
  line_no = line_no + 1
  if block then
    if line:match("^```%s*$") then
      local code = table.concat(block, "\n")
      local want = expected_of(code)
      if #want > 0 then
        local got, err = run(code)
        if not got then
          print(("FAILED %s:%d: %s"):format(path, start, err))
        else
          local a, b = table.concat(want, " | "), table.concat(got, " | ")
          print(a == b and ("ok %s:%d"):format(path, start)
                or ("FAILED %s:%d: expected %s; got %s"):format(path, start, a, b))
        end
      end
      block = nil
    else
      block[#block + 1] = line
    end
  elseif line:match("^```lua%s*$") then
    block, start = {}, line_no
  end
end
