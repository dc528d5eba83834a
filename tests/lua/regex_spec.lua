-- q.regex / quarry.Regex: spans, groups, flags, sets, errors.
local q = require "quarry"

-- Every match as "start-stop:label:text", joined by spaces.
local function spans(r, text)
  local out = {}
  local iter, err = r:match(text)
  if not iter then return nil, err end
  for s, e, label, t in iter do
    out[#out + 1] = ("%d-%d:%s:%s"):format(s, e, label, t)
  end
  return table.concat(out, " ")
end

local function m(pattern, opts, text)
  return spans(assert(q.regex(pattern, opts)), text)
end

describe("q.regex", function()
  it("reports 1-based inclusive byte positions, the label and the matched text", function()
    local r = assert(q.regex([[\b(?:19|20)\d\d\b]], { label = "YEAR" }))
    local text = "In 1999 and 2024, not 3000 or 19999."
    assert.are.equal("4-7:YEAR:1999 13-16:YEAR:2024", spans(r, text))
    for s, e, _, t in r:match(text) do
      assert.are.equal(t, text:sub(s, e))
    end
  end)

  it("labels a pattern REGEX by default", function()
    assert.are.equal("1-2:REGEX:ab", m("ab", nil, "ab"))
  end)

  it("counts bytes, not characters", function()
    assert.are.equal("1-7:R:Grüße 10-14:R:Köln 16-21:R:東京",
                     m([[\w+]], { label = "R" }, "Grüße, Köln 東京!"))
  end)

  it("takes the span from a group given by number or name", function()
    local text = "paid 12 USD, then 7 EUR"
    assert.are.equal("6-7:M:12 19-19:M:7", m([[(\d+) (USD|EUR)]], { label = "M", group = 1 }, text))
    assert.are.equal("9-11:M:USD 21-23:M:EUR", m([[(\d+) (USD|EUR)]], { label = "M", group = "2" }, text))
    assert.are.equal("6-7:M:12", m([[(?<amount>\d+) USD]], { label = "M", group = "amount" }, text))
  end)

  it("applies flags given as booleans or as a string", function()
    local text = "PARIS\nparis"
    assert.are.equal("7-11:C:paris", m("paris", { label = "C" }, text))
    assert.are.equal("1-5:C:PARIS 7-11:C:paris", m("paris", { label = "C", caseless = true }, text))
    assert.are.equal("1-5:C:PARIS 7-11:C:paris", m("paris", { label = "C", flags = "i" }, text))
    assert.are.equal("1-5:L:PARIS", m([[^\w+]], { label = "L" }, text))
    assert.are.equal("1-5:L:PARIS 7-11:L:paris", m([[^\w+]], { label = "L", multiline = true }, text))
    assert.are.equal("1-5:L:PARIS 7-11:L:paris", m([[^\w+]], { label = "L", flags = "caseless, multiline" }, text))
    assert.are.equal("5-7:D:S\np", m("S.p", { label = "D", dotall = true }, text))
    assert.are.equal("", m("S.p", { label = "D" }, text))
    assert.are.equal("1-5:X:PARIS", m("P A R I S  # spaced out", { label = "X", extended = true }, text))
    assert.are.equal("1-3:U:<a> 4-6:U:<b>", m("<.+>", { label = "U", ungreedy = true }, "<a><b>"))
  end)

  it("uses Unicode properties for \\w and \\b unless ucp = false", function()
    local text = "XKöln Köln"
    assert.are.equal("8-12:K:Köln", m([[\bKöln\b]], { label = "K" }, text))
    assert.are.equal("1-2:W:Gr 7-7:W:e", m([[\w+]], { label = "W", ucp = false }, "Grüße"))
    assert.are.equal("1-5:W:KÖLN", m("köln", { label = "W", caseless = true }, "KÖLN"))
  end)

  it("skips empty matches and steps over whole characters", function()
    assert.are.equal("2-4:A:aaa 9-10:A:aa", m("a*", { label = "A" }, "baaa€caa"))
    assert.are.equal("", m("x*", { label = "A" }, "ééé"))
    assert.are.equal("2-3:D:12 3-4:D:23", m([[(?=(\d\d))]], { label = "D", group = 1 }, "x123"))
  end)

  it("returns nil and PCRE2's message with the offset for a bad pattern", function()
    local r, err = q.regex([[\$ (\d+]], { label = "MONEY" })
    assert.is_nil(r)
    assert.are.equal("regex 'MONEY': missing closing parenthesis at pattern offset 7", err)
    r, err = q.regex([[(\d+)]], { label = "MONEY", group = "amount" })
    assert.is_nil(r)
    assert.are.equal("regex 'MONEY': no group named 'amount' in the pattern; name a group "
                     .. "with (?<amount>...) or give its number", err)
    r, err = q.regex([[(\d+)]], { label = "MONEY", group = 2 })
    assert.is_nil(r)
    assert.are.equal("regex 'MONEY': group 2 does not exist; the pattern has 1 capture group", err)
  end)

  it("bounds a catastrophic pattern: nil and a clear message", function()
    local r = assert(q.regex("(a+)+$", { label = "YEAR" }))
    local iter, err = r:match(("a"):rep(40) .. "b")
    assert.is_nil(iter)
    assert.are.equal("regex YEAR: match limit exceeded at byte offset 0 in this document; "
                     .. "simplify the pattern or raise match_limit", err)
    -- the regex stays usable
    assert.are.equal("", spans(r, "b"))
    assert.are.equal("1-3:YEAR:aaa", spans(r, "aaa"))
  end)

  it("takes the limits as options", function()
    local text = ("a"):rep(14) .. "b"
    local low = assert(q.regex("(a+)+$", { label = "Y", match_limit = 1000 }))
    local iter, err = low:match(text)
    assert.is_nil(iter)
    assert.are.equal("regex Y: match limit exceeded at byte offset 0 in this document; "
                     .. "simplify the pattern or raise match_limit", err)
    local high = assert(q.regex("(a+)+$", { label = "Y", match_limit = 100000000 }))
    assert.are.equal("", spans(high, text))
  end)

  it("matches around invalid UTF-8, which never matches", function()
    local r = assert(q.regex([[\w+]], { label = "W" }))
    assert.are.equal("1-2:W:ab 4-5:W:cd", spans(r, "ab\255cd"))
    assert.are.equal("1-3:W:abc 5-5:W:d", spans(r, "abc d\195"))
    local dot = assert(q.regex(".+", { label = "D" }))
    assert.are.equal("1-2:D:ab 4-6:D:c\195\169", spans(dot, "ab\254c\195\169"))
  end)

  it("raises on wrong argument types and unknown options", function()
    assert.has_error(function() q.regex(12) end,
                     "bad argument #1 to 'regex' (string or table expected, got number)")
    assert.has_error(function() q.regex("a", "i") end,
                     "bad argument #2 to 'regex' (table expected, got string)")
    assert.has_error(function() q.regex("a", { caseles = true }) end,
                     "bad argument #2 to 'regex' (unknown option 'caseles')")
    assert.has_error(function() q.regex("a", { caseless = "yes" }) end,
                     "bad argument #2 to 'regex' ('caseless' must be a boolean, got string)")
    assert.has_error(function() q.regex("a", { group = -1 }) end,
                     "bad argument #2 to 'regex' ('group' must be a group number >= 0 or a group name, got number)")
    assert.has_error(function() q.regex("a", { match_limit = 0 }) end,
                     "bad argument #2 to 'regex' ('match_limit' must be a positive integer, got number)")
    assert.has_error(function() q.regex("a", { flags = "ig" }) end,
                     "bad argument #2 to 'regex' (unknown regex flag 'ig'; use caseless, multiline, "
                     .. "dotall, extended, ungreedy, no_ucp, or letters imsxU)")
    local r = assert(q.regex("a"))
    assert.has_error(function() r:match({}) end,
                     "bad argument #1 to 'match' (string expected, got table)")
    assert.has_error(function() r.match("a", "a") end,
                     "bad argument #1 to 'match' (quarry.Regex expected, got string)")
  end)

  describe("with several patterns", function()
    it("takes a map of label = pattern (sorted by label), spans ordered by start", function()
      local r = assert(q.regex({
        YEAR = [[\b(?:19|20)\d\d\b]],
        NUM = [[\d+]],
        MONEY = { pattern = [[\$(\d+)]], group = 1 },
        CITY = { pattern = "paris", caseless = true },
      }))
      assert.are.same({ "CITY", "MONEY", "NUM", "YEAR" }, r:labels())
      assert.are.equal(4, #r)
      assert.are.equal("4-7:NUM:1999 4-7:YEAR:1999 9-13:CITY:Paris 21-22:MONEY:40 21-22:NUM:40",
                       spans(r, "In 1999 Paris paid $40."))
    end)

    it("takes a list of {label, pattern, ...} in order, with shared options", function()
      local r = assert(q.regex({
        { label = "B", pattern = "b" },
        { label = "A", pattern = "a", caseless = false },
      }, { caseless = true }))
      assert.are.same({ "B", "A" }, r:labels())
      -- A is case-sensitive again: the entry's own option wins
      assert.are.equal("1-1:A:a 2-2:B:B", spans(r, "aBA"))
    end)

    it("reports a bad pattern with its label", function()
      local r, err = q.regex({ OK = "a", MONEY = [[\$(\d+]] })
      assert.is_nil(r)
      assert.are.equal("regex 'MONEY': missing closing parenthesis at pattern offset 6", err)
    end)

    it("raises on malformed entries", function()
      assert.has_error(function() q.regex({ { label = "A" } }) end,
                       "bad argument #1 to 'regex' (pattern 1 has no 'pattern' string)")
      assert.has_error(function() q.regex({ { pattern = "a", lable = "A" } }) end,
                       "bad argument #1 to 'regex' (unknown key in pattern 1 'lable')")
      assert.has_error(function() q.regex({ A = 1 }) end,
                       "bad argument #1 to 'regex' (pattern 1 must be a string or a table, got number)")
      local r, err = q.regex({})
      assert.is_nil(r)
      assert.are.equal("regex: no patterns given", err)
    end)
  end)

  it("keeps each iteration independent of the others", function()
    local r = assert(q.regex([[\d]], { label = "D" }))
    local outer = {}
    for s in r:match("12") do
      for s2 in r:match("345") do outer[#outer + 1] = s .. ":" .. s2 end
    end
    assert.are.equal("1:1 1:2 1:3 2:1 2:2 2:3", table.concat(outer, " "))
  end)

  it("closes: explicitly, with <close>, and twice", function()
    local r = assert(q.regex("a"))
    assert.are.equal("quarry.Regex (1 pattern)", tostring(r))
    r:close()
    r:close()
    assert.are.equal("quarry.Regex (closed)", tostring(r))
    assert.has_error(function() r:match("a") end, "attempt to use a closed quarry.Regex")
    local iter
    do
      local c <close> = assert(q.regex("a"))
      iter = c:match("aa")
      assert.are.equal(1, iter())
    end
    assert.has_error(function() iter() end, "quarry.Regex was closed during its match loop")
  end)

  it("reports whether JIT compiled the patterns", function()
    assert.is_boolean(assert(q.regex("a")):jit())
    assert.is_false(assert(q.regex("(*NO_JIT)a")):jit())
  end)
end)
