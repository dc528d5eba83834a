-- q.pipeline{…}, q.pipeline.load, p:process, p:run, and the lua/filter steps.
local q = require "quarry"

local SPEC = "tests/lua/pipeline_spec.lua"
local FIXTURES = "tests/lua/fixtures"
-- Every pipeline below is built on this one line, so messages name it.
local function build(t) local p, e = q.pipeline(t); return p, e end
local AT = SPEC .. ":" .. debug.getinfo(build, "S").linedefined .. ": "

local function err_of(fn, ...)
  local ok, e = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return (tostring(e):gsub("^[^:]+:%d+: ", ""))
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local CITIES = { gazetteer = { entries = { Osaka = "CITY", Seoul = "CITY", Nairobi = "CITY" } } }

describe("q.pipeline", function()
  it("builds a pipeline from the same structure as YAML", function()
    local p = assert(build{ name = "demo", steps = { { tokenize = {} }, CITIES,
                                                    { lua = { code = "function process(doc) end" } } } })
    assert.are.equal("demo", p.name)
    assert.are.same({ "tokenize", "gazetteer", "lua" }, p:steps())
    assert.are.equal("quarry.Pipeline 'demo' (3 steps)", tostring(p))
  end)

  it("reports configuration errors as YAML does, naming the Lua line", function()
    local cases = {
      { { steps = { { tokenzie = {} } } }, "unknown step 'tokenzie'; did you mean 'tokenize'?" },
      { { steps = { { gazetteer = { lists = 3 } } } },
        "step 'gazetteer': option 'lists' must be a list, got an integer (3)" },
      { { steps = { { lua = { code = "function process(doc) x = end" } } } },
        "step 'lua': unexpected symbol near 'end'" },
      { { steps = { { lua = { code = "function proc(doc) end" } } } },
        "step 'lua': the script defines no function 'process' (write `function process(doc) … end`, or name another one with `function:`)" },
      { { steps = { { lua = {} } } },
        "step 'lua': a lua step needs `script:` (a .lua file) or `code:` (Lua source)" },
      { { steps = { { filter = { expr = "doc.text ==" } } } }, "step 'filter': unexpected symbol near <eof>" },
      { { steps = { { tokenize = { 1, a = 2 } } } },
        "a table in a pipeline is either a list (keys 1..n) or a map (string keys), not both" },
      { { steps = { { tokenize = { x = print } } } },
        "a function can stand only as a whole step, as an item of `steps`" },
      { { steps = { { tokenize = { x = io.stdout } } } }, "a userdata cannot be part of a pipeline description" },
      { { steps = { { regex = { patterns = { ["YE\0AR"] = "%d" } } } } },
        "a key cannot hold a NUL byte (\\0 at byte 2); remove it" },
      { { steps = { { regex = { patterns = { YEAR = "1\0" } } } } },
        "'steps[1].regex.patterns.YEAR' cannot hold a NUL byte (\\0 at byte 1); remove it" },
    }
    for _, case in ipairs(cases) do
      local p, msg = build(case[1])
      assert.is_nil(p)
      assert.are.equal(AT .. case[2], msg)
    end
  end)

  it("resolves relative paths against the calling script's folder", function()
    local p, msg = build{ steps = { { lua = { script = "fixtures/missing.lua" } } } }
    assert.is_nil(p)
    assert.are.equal(AT .. "step 'lua': option 'script': cannot open 'fixtures/missing.lua': No such file or directory (looked for tests/lua/fixtures/missing.lua; relative paths start at the pipeline's folder)", msg)
    assert.truthy(build{ steps = { { lua = { script = "fixtures/count.lua", ["function"] = "tag" } } } })
  end)

  it("names the nearest Lua line when called through pcall", function()
    local line = debug.getinfo(1, "l").currentline + 1
    local ok, p, msg = pcall(q.pipeline, { steps = { { tokenzie = {} } } })
    assert.is_true(ok)
    assert.is_nil(p)
    assert.are.equal(SPEC .. ":" .. line .. ": unknown step 'tokenzie'; did you mean 'tokenize'?", msg)
  end)

  it("raises on misuse", function()
    assert.are.equal("bad argument #1 to 'pipeline' (table expected, got number)",
                     err_of(function() return q.pipeline(3) end))
  end)
end)

describe("p:process", function()
  local p = assert(build{ steps = {
    { tokenize = {} }, CITIES,
    { lua = { code = "function process(doc) doc.fields.n = #doc:entities() end" } },
    function(doc) doc.fields.seen_by = "function " .. doc.id end,
  } })

  it("returns the processed document", function()
    local d = p:process{ id = "x1", text = "Osaka and Seoul.", source = "wire" }
    assert.are.equal("x1", d.id)
    assert.are.equal("wire", d.meta.source)
    assert.are.equal(2, d.fields.n)
    assert.are.equal("function x1", d.fields.seen_by)
    assert.are.same({ start = 11, stop = 15, label = "CITY", id = "Seoul", text = "Seoul", score = 1,
                      source = "gazetteer" }, d:entities()[2])
  end)

  it("numbers documents given as plain text", function()
    local q2 = assert(build{ steps = { function() end } })
    assert.are.equal("doc-1", q2:process("a").id)
    assert.are.equal("doc-2", q2:process("b").id)
  end)

  it("returns false for a dropped document", function()
    local f = assert(build{ steps = { CITIES, { filter = { expr = '#doc:entities("CITY") > 0' } } } })
    assert.are.equal(false, f:process("No city here."))
    assert.are.equal("Osaka", f:process("Osaka"):entities()[1].text)
    local l = assert(build{ steps = { { lua = { code = "function process(doc) return doc.text ~= 'x' end" } } } })
    assert.are.equal(false, l:process("x"))
    assert.are.equal("y", l:process("y").text)
  end)

  it("returns nil and the message when a step fails", function()
    local e = assert(build{ steps = { { lua = { code = "function process(doc)\n  return doc.fields.x.y\nend" } } } })
    local d, msg = e:process{ id = "doc-3", text = "x" }
    assert.is_nil(d)
    -- where a Lua string's lines fall in the file is not known: the message
    -- names the line of the pipeline, then the line within the code
    assert.are.equal(AT .. "step 'lua' failed on document 'doc-3': " .. AT
                     .. "code line:2: attempt to index a nil value (field 'x')", msg)
  end)

  it("refuses a record without text, raises on a wrong argument", function()
    local d, msg = p:process{ id = 1 }
    assert.is_nil(d)
    assert.are.equal("the record has no string field 'text'", msg)
    assert.are.equal("bad argument #1 to 'process' (string or table expected, got number)",
                     err_of(function() return p:process(3) end))
  end)

  it("invalidates a document kept after its step returned", function()
    local kept, kept_fields, kept_entities
    local k = assert(build{ steps = { function(doc)
      kept, kept_fields, kept_entities = doc, doc.fields, doc:entities()
    end } })
    k:process("some text")
    assert.are.equal("document is no longer valid outside its step", err_of(function() return kept.text end))
    assert.are.equal("document is no longer valid outside its step", err_of(function() return kept_fields.x end))
    assert.are.equal("document is no longer valid outside its step", err_of(function() return #kept_entities end))
    assert.are.equal("document is no longer valid outside its step",
                     err_of(function() kept:add_entity(1, 2, "X") end))
  end)

  it("looks up process/init/finish without metamethods (scripts may guard _G)", function()
    local g = assert(build{ steps = { { lua = { code = [[
      function process(doc) doc.fields.ok = true end
      setmetatable(_G, { __index = function(_, k) error("undeclared global " .. k, 2) end })
    ]] } } } })
    assert.is_true(g:process("x").fields.ok)
  end)

  it("passes options to init() once per state, and calls process by its name", function()
    local p2 = assert(build{ steps = { { lua = { script = "fixtures/count.lua", ["function"] = "tag",
                                                 options = { prefix = "P-" } } } } })
    assert.are.equal("P-1", p2:process("a").fields.tag)
    assert.are.equal("P-2", p2:process("b").fields.tag)
  end)
end)

describe("p:run", function()
  local inputs = { FIXTURES .. "/news/*.txt" }

  it("returns the summary and runs function steps in input order for any jobs", function()
    local results = {}
    for _, jobs in ipairs{ 1, 4 } do
      local seen = {}
      local p = assert(build{ input = { format = "text" }, steps = {
        { tokenize = {} }, CITIES,
        { lua = { code = "function process(doc) doc.fields.n = #doc:entities() end" } },
        function(doc) seen[#seen + 1] = doc.id:match("[^/]*$") .. "=" .. doc.fields.n end,
      } })
      local s = assert(p:run{ inputs = inputs, jobs = jobs })
      assert.are.same({ 2, 2, 0, 0, 0, jobs }, { s.read, s.written, s.dropped, s.failed, s.skipped, s.jobs })
      assert.are.same({ "tokenize", "gazetteer", "lua", "function" },
                      { s.steps[1].name, s.steps[2].name, s.steps[3].name, s.steps[4].name })
      results[jobs] = table.concat(seen, " ")
    end
    assert.are.equal("a-trade.txt=2 b-talks.txt=1", results[1])
    assert.are.equal(results[1], results[4])
  end)

  it("runs again when no step ends its work with the run: lua without finish(), filters", function()
    local p = assert(build{ input = { format = "text" }, steps = {
      { lua = { code = "function process(doc) doc.fields.n = 1 end" } }, { filter = { expr = "true" } },
    } })
    for _, jobs in ipairs{ 1, 2, 1 } do
      local s = assert(p:run{ inputs = inputs, jobs = jobs })
      assert.are.same({ 2, 2 }, { s.read, s.written })
    end
    local once = assert(build{ steps = { { lua = { name = "tally", code = "function process(doc) end function finish() end" } } } })
    assert(once:run{ inputs = inputs, jobs = 1 })
    local ok, msg = once:run{ inputs = inputs, jobs = 1 }
    assert.is_nil(ok)
    assert.are.equal("this pipeline has already run, and step 'tally' ends its work with the run (finish); "
                     .. "load the pipeline again to run it again", msg)
  end)

  it("gives a function step the tokens and sentences the parallel steps made, for any jobs", function()
    -- Threads lend their token buffers to the documents they run and take
    -- them back (runner.c); a function step runs afterwards, in order, and
    -- must still see every document's tokens and sentences.
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    for i = 1, 3000 do f:write(("Line %d went to Paris. It was %d.\n"):format(i, 1900 + i % 100)) end
    f:close()
    local results = {}
    for _, jobs in ipairs{ 1, 3 } do
      local seen = {}
      local p = assert(build{ input = { format = "lines" }, steps = {
        { tokenize = {} }, { sentences = {} },
        function(doc)
          local t, s = doc:tokens()[2], doc:sentences()[2]
          seen[#seen + 1] = ("%d/%d/%s/%s/%d-%d/%s"):format(#doc:tokens(), #doc:sentences(), t.key,
                                                            t.kind, t.start, t.stop, s.text)
        end,
      } })
      assert(p:run{ inputs = { path }, jobs = jobs })
      results[jobs] = seen
    end
    os.remove(path)
    assert.are.equal(3000, #results[1])
    assert.are.equal("10/2/1/number/6-6/It was 1901.", results[1][1])
    assert.are.equal("10/2/3000/number/6-9/It was 1900.", results[1][3000])
    assert.are.same(results[1], results[3])
  end)

  it("counts dropped and failed documents and writes the errors file", function()
    local errors = os.tmpname()
    local p = assert(build{ input = { format = "text" }, steps = {
      { filter = { expr = 'not doc.text:find("nothing")' } },
      { lua = { code = "function process(doc) if doc.text:find('UN') then error('no UN here', 0) end end",
                on_error = "drop" } },
    } })
    local s = assert(p:run{ inputs = inputs, jobs = 2, errors = errors })
    assert.are.same({ 2, 1, 0, 1 }, { s.read, s.written, s.dropped, s.failed })
    local line = read(errors)
    os.remove(errors)
    assert.truthy(line:find('"step": ?"lua"'))
    assert.truthy(line:find('"message": ?"no UN here"'))
    assert.truthy(line:find('b%-talks%.txt'))
  end)

  it("returns nil, the message and the summary when a step fails under on_error: fail", function()
    local p = assert(build{ input = { format = "text" }, steps = {
      function(doc) if doc.id:find("b%-talks") then error("stop here", 0) end end,
    } })
    local ok, msg, s = p:run{ inputs = inputs, jobs = 1 }
    assert.is_nil(ok)
    assert.truthy(msg:find("stop here", 1, true))
    assert.truthy(msg:find("b-talks.txt", 1, true))
    -- a function step takes no on_error: the hint says how to go on
    assert.truthy(msg:find("stop here (a function step has no on_error: catch the error in it with pcall to go on)",
                           1, true))
    assert.are.equal(2, s.read)
    assert.are.equal(1, s.written)
    assert.is_true(s.stopped)
  end)

  it("raises on misuse", function()
    local p = assert(build{ steps = { function() end } })
    assert.are.equal("bad option 'jobs' to 'run' (integer expected, got string)",
                     err_of(function() return p:run{ jobs = "2" } end))
    assert.are.equal("bad option 'inputs' to 'run' (item 1 is a number, expected a path)",
                     err_of(function() return p:run{ inputs = { 1 } } end))
    assert.are.equal("bad option 'input' to 'run' (expected inputs, jobs or errors)",
                     err_of(function() return p:run{ input = { "a.txt" } } end))
    local inner
    local function again() inner:process("again") end
    inner = assert(build{ steps = { again } })
    local _, msg = inner:process("x")
    -- a function step is marked where the function is defined
    local at = SPEC .. ":" .. debug.getinfo(again, "S").linedefined .. ": "
    assert.are.equal(at .. "step 'function' failed on document 'doc-1': " .. at
                     .. "the pipeline is already running (p:run or p:process called from one of its own steps)",
                     msg)
  end)
end)

describe("an empty table", function()
  it("stands for an empty list where an option takes one", function()
    local p = assert(q.pipeline{ steps = { { clean = { drop_lines = {} } },
                                           { gazetteer = { lists = {}, entries = { Oslo = "CITY" } } } } })
    assert.are.equal("CITY", p:process("Oslo"):entities()[1].label)
    local ok, msg = q.pipeline{ steps = {} }
    assert.is_nil(ok)
    assert.truthy(msg:find("'steps' is empty; list at least one step", 1, true))
  end)
end)

describe("q.pipeline.load", function()
  it("loads a YAML file, with vars", function()
    local p = assert(q.pipeline.load(FIXTURES .. "/pipeline.yaml", { vars = { label = "PORT" } }))
    assert.are.equal("from-yaml", p.name)
    local d = p:process("Osaka port")
    assert.are.equal("PORT", d:entities()[1].label)
    assert.are.equal(1, d.fields.n)
    assert.are.equal("CITY", q.pipeline.load(FIXTURES .. "/pipeline.yaml"):process("Osaka"):entities()[1].label)
  end)

  it("refuses vars that name no variable of the file, as --set does", function()
    local p, msg = q.pipeline.load(FIXTURES .. "/pipeline.yaml", { vars = { lable = "PORT" } })
    assert.is_nil(p)
    assert.are.equal("lable=PORT names no variable of the pipeline; did you mean 'label'? (its variables: label)", msg)
  end)

  it("raises on an unknown option, with the closest name", function()
    local file = FIXTURES .. "/pipeline.yaml"
    assert.are.equal("bad argument #2 to 'load' (unknown option 'var'; did you mean 'vars'?)",
                     err_of(function() return q.pipeline.load(file, { var = { label = "PORT" } }) end))
    assert.are.equal("bad argument #2 to 'load' (unknown option 'jobs'; load takes only vars)",
                     err_of(function() return q.pipeline.load(file, { jobs = 2 }) end))
  end)

  it("returns nil and the message for a bad file, raises on misuse", function()
    local p, msg = q.pipeline.load(FIXTURES .. "/missing.yaml")
    assert.is_nil(p)
    assert.truthy(msg:find("missing.yaml", 1, true))
    assert.are.equal("bad argument #1 to 'load' (string expected, got no value)",
                     err_of(function() return q.pipeline.load() end))
  end)
end)
