-- q.load_module, quarry.Step (step:process, step{options}), and module steps
-- in pipelines built afterwards. Modules: build/modules/sentiment.so (the
-- example) and build/tests/modules/*.so (tests/modules/*.c).
local q = require "quarry"

local BUILD = os.getenv("BUILD") or "build"
local SENTIMENT = BUILD .. "/modules/sentiment.so"
local function tmod(name) return BUILD .. "/tests/modules/" .. name .. ".so" end
local SPEC = "tests/lua/module_spec.lua"

local function realpath(p)
  local f = assert(io.popen("realpath '" .. p .. "'"))
  local r = f:read("l")
  f:close()
  return r
end

describe("q.load_module", function()
  local mod = assert(q.load_module(SENTIMENT))

  it("returns the module's steps by name", function()
    local names = {}
    for name in pairs(mod) do names[#names + 1] = name end
    assert.are.same({ "sentiment" }, names)
    local s = mod.sentiment
    assert.are.equal("sentiment", s.name)
    assert.are.equal("valence-lexicon sentiment (AFINN-165) of each document and sentence, with negation",
                     s.description)
    assert.are.equal("quarry.Step 'sentiment'", tostring(s))
    assert.are.same({ "lexicon", "negation_window", "field", "spans" },
                    { s.options[1].name, s.options[2].name, s.options[3].name, s.options[4].name })
    assert.are.equal("3", s.options[2].default)
  end)

  it("runs a step directly on a string: a new Doc", function()
    local doc = assert(mod.sentiment:process("This is not good."))
    assert.are.equal("doc-1", doc.id)
    local r = doc.fields.sentiment
    assert.are.equal(-2, r.score)
    assert.are.equal(-0.5, r.comparative)
    assert.are.equal(0, #r.positive)
    assert.are.equal("not good", r.negative[1])
    assert.are.equal(1, #r.sentences)
    assert.are.equal(-2, r.sentences[1].score)
  end)

  it("changes a Doc in place and returns it; options with step{…}", function()
    local s = assert(mod.sentiment{ spans = true, field = "tone" })
    local doc = q.doc{ id = "r1", text = "I love it. I hate it, not bad!" }
    assert.are.equal(doc, s:process(doc))
    local r = doc.fields.tone
    assert.are.equal(3, r.score)
    assert.are.equal(0.375, r.comparative)
    assert.are.same({ 3, 0 }, { r.sentences[1].score, r.sentences[2].score })
    assert.are.same({ "love", "not bad" }, { r.positive[1], r.positive[2] })
    assert.are.equal("hate", r.negative[1])
    local e = doc:entities()
    assert.are.equal(1, #e)
    assert.are.same({ 1, 10, "SENTIMENT", "positive", 3.0, "I love it." },
                    { e[1].start, e[1].stop, e[1].label, e[1].id, e[1].score, e[1].text })
    assert.is_nil(doc.fields.sentiment)
  end)

  it("takes a record table", function()
    local doc = assert(mod.sentiment:process{ id = "n7", text = "Never happy." })
    assert.are.equal("n7", doc.id)
    assert.are.equal(-3, doc.fields.sentiment.score)
    assert.are.equal("never happy", doc.fields.sentiment.negative[1])
  end)

  it("validates options as a pipeline does, naming the Lua line", function()
    local line = debug.getinfo(1, "l").currentline + 1
    local s, e = mod.sentiment{ negation_window = "x" }
    assert.is_nil(s)
    assert.are.equal(SPEC .. ":" .. line .. ": step 'sentiment': option 'negation_window' must be an integer, "
                     .. "got a string ('x')", e)
    s, e = mod.sentiment{ windw = 2 }
    assert.is_nil(s)
    assert.matches("step 'sentiment' has no option 'windw'; its options are: lexicon, negation_window, "
                   .. "field, spans, name, on_error", e, 1, true)
    s, e = mod.sentiment{ negation_window = 11 }
    assert.is_nil(s)
    assert.matches("step 'sentiment': sentiment: negation_window must be between 0 and 10, got 11", e, 1, true)
  end)

  it("raises on misuse", function()
    assert.has_error(function() mod.sentiment:process(42) end,
                     "bad argument #1 to 'process' (quarry.Doc, string or table expected, got number)")
  end)

  it("reports a failing step as nil, message", function()
    local m = assert(q.load_module(tmod("flaky")))
    local at = SPEC .. ":" .. debug.getinfo(1, "l").currentline + 1 .. ": "
    local d, e = m.flaky:process("this is bad")   -- the step is set up here
    assert.is_nil(d)
    assert.are.equal(at .. "step 'flaky' failed on document 'doc-1': found 'bad' at byte 8", e)
    d, e = m.flaky:process{ id = "bad-3", text = "fine" }
    assert.is_nil(d)
    assert.are.equal(at .. "step 'flaky' failed on document 'bad-3': found 'bad' in the id", e)
    d = assert(m.flaky:process("fine"))
    assert.are.equal("seen", d.fields.flaky)
  end)

  it("makes the module's steps available to pipelines built afterwards", function()
    assert(q.load_module(tmod("flaky")))   -- again: harmless
    local p = assert(q.pipeline{ steps = { { flaky = { on_error = "skip", marker = "zz" } }, "sentiment" } })
    local d = assert(p:process("zz happy"))
    assert.is_nil(d.fields.flaky)          -- skipped: as before the step
    assert.are.equal(3, d.fields.sentiment.score)
    d = assert(p:process("happy"))
    assert.are.equal("seen", d.fields.flaky)
    local dp = assert(q.pipeline{ steps = { { flaky = { on_error = "drop" } } } })
    local r, e = dp:process("bad")          -- p:process reports a dropped failure
    assert.is_nil(r)
    assert.matches("step 'flaky' failed on document 'doc-1': found 'bad' at byte 0", e, 1, true)
  end)

  it("refuses bad modules with nil, message", function()
    local m, e = q.load_module(BUILD .. "/tests/modules/nothere.so")
    assert.is_nil(m)
    assert.are.equal("cannot load module '" .. BUILD .. "/tests/modules/nothere.so': No such file or directory", e)
    m, e = q.load_module(tmod("abi_future"))
    assert.is_nil(m)
    assert.are.equal("module '" .. realpath(tmod("abi_future")) .. "' was built for module ABI 2.4, but this "
                     .. "quarry has ABI 1.2: rebuild it against this quarry's quarry_module.h "
                     .. "(pkg-config --cflags quarry)", e)
    m, e = q.load_module(tmod("init_fails"))
    assert.is_nil(m)
    assert.matches("failed to initialize: cannot read the model 'missing.bin': No such file or directory$", e)
    m, e = q.load_module(tmod("no_entry"))
    assert.is_nil(m)
    assert.matches("has no entry point 'quarry_module_init'", e, 1, true)
    m, e = q.load_module(tmod("dup_builtin"))
    assert.is_nil(m)
    assert.are.equal("module '" .. realpath(tmod("dup_builtin")) .. "': step 'tokenize' is already defined "
                     .. "(by built-in); rename one of them", e)
    m, e = q.load_module("flaky")
    assert.is_nil(m)
    assert.matches("^module 'flaky' is a bare name, looked up as flaky.so in the folders of QUARRY_MODULE_PATH", e)
    -- a refused module is not offered to later pipelines
    assert(q.pipeline{ steps = { "tokenize" } })
  end)

  it("refuses a second module with a step name already loaded", function()
    local copy = os.tmpname() .. ".so"
    assert(os.execute("cp '" .. tmod("flaky") .. "' '" .. copy .. "'"))
    local m, e = q.load_module(copy)
    os.remove(copy)
    assert.is_nil(m)
    assert.matches("step 'flaky' is already defined (by module " .. realpath(tmod("flaky")) .. ")", e, 1, true)
  end)
end)
