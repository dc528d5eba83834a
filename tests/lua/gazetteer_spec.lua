-- q.gazetteer / quarry.Gazetteer: sources, case modes, overlaps, duplicates, errors.
local q = require "quarry"

local tmp = os.tmpname()
os.remove(tmp)
os.execute("mkdir -p " .. tmp)

local function write(name, content)
  local path = tmp .. "/" .. name
  local f = assert(io.open(path, "wb"))
  f:write(content)
  f:close()
  return path
end

-- Every match as "start-stop:text:label:id", joined by spaces.
local function spans(g, text, overlaps)
  local out = {}
  local iter, err = g:match(text, overlaps)
  if not iter then return nil, err end
  for s, e, label, id in iter do
    out[#out + 1] = ("%d-%d:%s:%s:%s"):format(s, e, text:sub(s, e), label, id)
  end
  return table.concat(out, " ")
end

local places = write("places.tsv", "# places\nNew York\tGPE\tnyc\nYork\tGPE\nUS\tGPE\nSão Paulo\tGPE\n")

describe("q.gazetteer", function()
  teardown(function() os.execute("rm -rf " .. tmp) end)

  it("matches a TSV list case-insensitively, with 1-based inclusive positions", function()
    local g = assert(q.gazetteer{ lists = { { path = places } } })
    local text = "I love new york and the US."
    assert.are.equal("8-15:new york:GPE:nyc 25-26:US:GPE:US", spans(g, text))
    for s, e in g:match(text) do
      assert.is_true(s >= 1 and e <= #text)
    end
    assert.are.equal(4, #g)
    assert.are.equal("quarry.Gazetteer (4 entries, 1 lists)", tostring(g))
  end)

  it("supports sensitive and smart case per list", function()
    local s = assert(q.gazetteer{ lists = { { path = places } }, case = "sensitive" })
    assert.are.equal("10-17:New York:GPE:nyc", spans(s, "new york New York"))
    local sm = assert(q.gazetteer{ lists = { { path = places, case = "smart" } } })
    assert.are.equal("1-2:US:GPE:US 11-18:NEW YORK:GPE:nyc", spans(sm, "US us and NEW YORK"))
  end)

  it("folds accents on request", function()
    local text = "Sao Paulo, São Paulo"
    local g = assert(q.gazetteer{ lists = { { path = places } } })
    assert.are.equal("12-21:São Paulo:GPE:São Paulo", spans(g, text))
    local f = assert(q.gazetteer{ lists = { { path = places, accents = true } } })
    assert.are.equal("1-9:Sao Paulo:GPE:São Paulo 12-21:São Paulo:GPE:São Paulo", spans(f, text))
    -- the older name is an alias; a top-level default and q.gazetteer.load take it too
    local a = assert(q.gazetteer{ lists = { { path = places, fold_accents = true } } })
    assert.are.equal("1-9:Sao Paulo:GPE:São Paulo 12-21:São Paulo:GPE:São Paulo", spans(a, text))
    local d = assert(q.gazetteer{ lists = { { path = places } }, accents = true })
    assert.are.equal("1-9:Sao Paulo:GPE:São Paulo 12-21:São Paulo:GPE:São Paulo", spans(d, text))
    local l = assert(q.gazetteer.load(places, { accents = true }))
    assert.are.equal("1-9:Sao Paulo:GPE:São Paulo 12-21:São Paulo:GPE:São Paulo", spans(l, text))
    assert.has_error(function()
      q.gazetteer{ lists = { { path = places, accents = true, fold_accents = true } } }
    end, "give 'accents' or its alias 'fold_accents', not both")
    assert.has_error(function() q.gazetteer{ lists = { { path = places, accents = "yes" } } } end,
                     "option 'accents' must be a boolean, got string")
  end)

  it("prefers the leftmost-longest match unless overlaps = 'all'", function()
    local entries = { "Distributed Super Computing", "Distributed Super Computing Institute" }
    local g = assert(q.gazetteer{ entries = entries, label = "ORG" })
    local text = "the Distributed Super Computing Institute"
    assert.are.equal("5-41:Distributed Super Computing Institute:ORG:Distributed Super Computing Institute",
                     spans(g, text))
    assert.are.equal("19-45:distributed super computing:ORG:Distributed Super Computing",
                     spans(g, "distributed super distributed super computing"))
    local all = assert(q.gazetteer{ entries = entries, label = "ORG", overlaps = "all" })
    assert.are.equal("5-41:Distributed Super Computing Institute:ORG:Distributed Super Computing Institute "
                     .. "5-31:Distributed Super Computing:ORG:Distributed Super Computing", spans(all, text))
    assert.are.equal("5-31:Distributed Super Computing:ORG:Distributed Super Computing",
                     spans(all, "the Distributed Super Computing Centre", "longest"))
  end)

  it("takes entries as strings or tables with label, id and attrs", function()
    local g = assert(q.gazetteer{
      lists = {
        { entries = { "Paris", { "Big Apple", label = "GPE", id = "nyc" },
                      { phrase = "c++", id = 42 }, { pattern = ".net", attrs = { kind = "fw" } } },
          label = "THING" },
      },
    })
    assert.are.equal("1-5:Paris:THING:Paris 12-20:big apple:GPE:nyc 23-25:C++:THING:42 31-34:.NET:THING:.net",
                     spans(g, "Paris, the big apple, C++ and .NET"))
  end)

  it("reports every entry of a duplicated phrase, in list order", function()
    local tsv = write("dup.tsv", "Apple\tORG\tapple_inc\nApple\tFRUIT\napple\tORG\tapple_inc\n")
    local g = assert(q.gazetteer{ lists = { { path = tsv }, { entries = { "apple" }, label = "WORD" } } })
    assert.are.equal("4-8:apple:ORG:apple_inc 4-8:apple:FRUIT:Apple 4-8:apple:WORD:apple",
                     spans(g, "an apple"))
    assert.are.equal(3, #g)
  end)

  it("matches non-Latin scripts on token boundaries", function()
    local g = assert(q.gazetteer{ entries = { "Москва", "東京", "IRE1", "XBP1s" }, label = "X" })
    assert.are.equal("4-15:МОСКВА:X:Москва", spans(g, "В МОСКВА"))
    assert.are.equal("7-12:東京:X:東京", spans(g, "我去東京了"))
    assert.are.equal("1-4:IRE1:X:IRE1 6-10:XBP1s:X:XBP1s", spans(g, "IRE1/XBP1s"))
  end)

  it("reads plain lists and spaCy JSONL patterns", function()
    local txt = write("people.txt", "Anna Karenina\nLevin\n")
    local jsonl = write("orgs.jsonl", '{"label":"ORG","pattern":"Apple","id":"apple"}\n')
    local g = assert(q.gazetteer{ lists = { { path = txt, label = "PERSON" }, { path = jsonl } } })
    assert.are.equal("1-5:Levin:PERSON:Levin 12-16:Apple:ORG:apple", spans(g, "Levin buys Apple"))
  end)

  it("matches the tokens of a quarry.Doc", function()
    local g = assert(q.gazetteer{ lists = { { path = places } } })
    local d = q.doc("Flights to New York")
    assert.are.equal("12-19:New York:GPE:nyc", (function()
      local out = {}
      for s, e, l, id in g:match(d) do out[#out + 1] = ("%d-%d:%s:%s:%s"):format(s, e, d.text:sub(s, e), l, id) end
      return table.concat(out, " ")
    end)())
  end)

  it("returns nil, message with file and line for bad lists", function()
    local bad = write("cities.tsv", "Paris\tGPE\nLyon\tGPE\tlyon\tx\ty\n")
    local g, err = q.gazetteer{ lists = { { path = bad } } }
    assert.is_nil(g)
    assert.are.equal(bad .. ":2: expected phrase<TAB>label[<TAB>id], found 5 fields", err)
    g, err = q.gazetteer{ lists = { { path = tmp .. "/missing.tsv" } } }
    assert.is_nil(g)
    assert.are.equal(tmp .. "/missing.tsv: cannot open: No such file or directory", err)
    local tok = write("tok.jsonl", '{"label":"X","pattern":[{"LOWER":"a"}]}\n')
    g, err = q.gazetteer.load(tok)
    assert.are.equal(tok .. ':1: token-list patterns are not supported; write "pattern" as a string', err)
    g, err = q.gazetteer{ entries = { "x" } }
    assert.are.equal('entry 1: no label for "x": give the entry one (a TSV line\'s second column, a JSONL entry\'s "label") or the list a default label', err)
  end)

  it("raises on misuse", function()
    assert.has_error(function() q.gazetteer{} end, "gazetteer: give 'lists' or 'entries'")
    assert.has_error(function() q.gazetteer{ lists = { { path = places, colour = "red" } } } end,
                     "unknown list option 'colour'")
    assert.has_error(function() q.gazetteer{ entries = { "a" }, label = "A", case = "upper" } end,
                     "bad case 'upper' (expected sensitive, insensitive or smart)")
    assert.has_error(function() q.gazetteer{ entries = { "a" }, label = "A", overlaps = "some" } end,
                     "bad overlaps 'some' (expected longest or all)")
    assert.has_error(function() q.gazetteer{ entries = { true }, label = "A" } end,
                     "entry 1 must be a string or a table, got boolean")
    assert.has_error(function() q.gazetteer{ lists = { {} } } end, "a list needs 'path' or 'entries'")
    assert.has_error(function() q.gazetteer{ entries = { "a" }, label = "A", cache = tmp .. "/c" } end,
                     "option 'cache' needs every list given by 'path'")
    local g = assert(q.gazetteer{ entries = { "a" }, label = "A" })
    assert.has_error(function() g:match({}) end)
    assert.has_error(function() g:match("a", "most") end, "bad overlaps 'most' (expected longest or all)")
  end)

  it("loads one list with q.gazetteer.load and caches the compiled form", function()
    local cache = tmp .. "/places.cache"
    local g = assert(q.gazetteer.load(places, { case = "smart", cache = cache }))
    assert.are.equal("1-2:US:GPE:US", spans(g, "US us"))
    local f = io.open(cache, "rb")
    assert.is_not_nil(f)
    f:close()
    local again = assert(q.gazetteer.load(places, { case = "smart", cache = cache }))
    assert.are.equal("1-2:US:GPE:US", spans(again, "US us"))
    local other = assert(q.gazetteer.load(places, { cache = cache }))
    assert.are.equal("1-2:US:GPE:US 4-5:us:GPE:US", spans(other, "US us"))
    assert.is_true(g:save(tmp .. "/saved.cache"))
  end)

  it("closes idempotently, also through <close>", function()
    local g = assert(q.gazetteer{ entries = { "a" }, label = "A" })
    local iter = g:match("a b a")
    g:close()
    g:close()
    assert.are.equal("quarry.Gazetteer (closed)", tostring(g))
    assert.has_error(function() iter() end, "quarry.Gazetteer was closed during its match loop")
    assert.has_error(function() g:match("a") end, "attempt to use a closed quarry.Gazetteer")
    do
      local c <close> = assert(q.gazetteer{ entries = { "a" }, label = "A" })
      assert.are.equal(1, #c)
    end
  end)
end)
