-- q.tokenize, q.sentences, q.normalize: positions, kinds, keys, errors.
local q = require "quarry"

-- Every token as "start-stop:kind:key", joined by spaces.
local function toks(text)
  local out = {}
  for s, e, kind, key in q.tokenize(text) do
    out[#out + 1] = ("%d-%d:%s:%s"):format(s, e, kind, key)
  end
  return table.concat(out, " ")
end

-- fn raises "bad argument #N to '[quarry.]NAME' (DETAIL)"; Lua names the
-- function after the field it was called through, so the prefix varies;
-- the message may start with the caller's position.
local function raises(fn, n, name, detail)
  local ok, err = pcall(fn)
  assert.is_false(ok)
  local want = ("bad argument #%d to '[%%w.]*%s' %%(%s%%)$"):format(n, name, detail:gsub("%p", "%%%0"))
  assert.matches(want, err)
end

local function sents(text)
  local out = {}
  for s, e in q.sentences(text) do out[#out + 1] = text:sub(s, e) end
  return out
end

describe("q.tokenize", function()
  it("gives 1-based inclusive byte positions, kind and key", function()
    assert.are.equal("1-3:word:cho 5-11:word:tae-yul 13-16:word:said",
                     toks("Cho Tae-yul said"))
    local text = "Dr. Kim paid $1,000."
    for s, e, kind, key in q.tokenize(text) do
      assert.are.equal(key, text:sub(s, e):lower())
      assert.is_string(kind)
    end
  end)

  it("applies the rules: possessives, abbreviations, numbers, URLs, e-mail, tags", function()
    assert.are.equal("1-5:word:seoul 6-9:word:’s 11-14:word:u.n. 16-17:word:m.",
                     toks("Seoul’s U.N. M."))
    assert.are.equal("1-1:symbol:$ 2-7:number:100.00 9-11:number:3.5 12-12:symbol:%",
                     toks("$100.00 3.5%"))
    assert.are.equal("1-19:url:https://x.org/a?b=1 20-20:punct:. "
                     .. "22-30:email:ann@x.org 32-35:hashtag:#tag 37-41:mention:@name",
                     toks("https://x.org/a?b=1. ann@x.org #Tag @Name"))
  end)

  it("keeps emoji sequences and CJK characters whole", function()
    assert.are.equal("1-8:emoji:👍🏽 10-12:cjk:東 13-15:cjk:京", toks("👍🏽 東京"))
  end)

  it("computes NFKC + case-fold keys", function()
    assert.are.equal("1-7:word:strasse 9-13:word:fine 15-29:word:hello",
                     toks("Straße ﬁne Ｈｅｌｌｏ"))
  end)

  it("reads invalid UTF-8 as U+FFFD per byte without moving positions", function()
    assert.are.equal("1-5:word:ab\u{FFFD}cd 7-8:word:ok", toks("ab\x80cd ok"))
    assert.are.equal("1-1:symbol:\u{FFFD} 2-2:symbol:\0 3-3:word:x", toks("\xff\0x"))
  end)

  it("yields nothing for empty or blank text", function()
    assert.are.equal("", toks(""))
    assert.are.equal("", toks(" \n\t "))
  end)

  it("returns the iterator state as a to-be-closed value", function()
    local f, s, c, state = q.tokenize("a b c")
    assert.is_function(f)
    assert.is_nil(s)
    assert.is_nil(c)
    assert.are.equal("quarry.TextIter", getmetatable(state).__name)
    assert.are.same({1, 1, "word", "a"}, {f()})
    getmetatable(state).__close(state)
    assert.is_nil(f())                      -- closed: the iterator ends
    getmetatable(state).__gc(state)         -- idempotent
    local n = 0
    for _ in q.tokenize("a b c d") do
      n = n + 1
      if n == 2 then break end
    end
    assert.are.equal(2, n)
  end)

  it("raises on misuse", function()
    raises(function() q.tokenize() end, 1, "tokenize", "string expected, got no value")
    raises(function() q.tokenize({}) end, 1, "tokenize", "string expected, got table")
  end)
end)

describe("q.sentences", function()
  it("gives 1-based inclusive positions of each sentence", function()
    local text = "Hello there. I live in the U.S. How about you?"
    local pos = {}
    for s, e in q.sentences(text) do pos[#pos + 1] = s .. "-" .. e end
    assert.are.same({"1-12", "14-31", "33-46"}, pos)
    assert.are.same({"Hello there.", "I live in the U.S.", "How about you?"}, sents(text))
  end)

  it("yields nothing for empty text and raises on misuse", function()
    assert.are.same({}, sents(""))
    raises(function() q.sentences(42 == 42) end, 1, "sentences", "string expected, got boolean")
  end)
end)

describe("q.normalize", function()
  it("supports nfc, nfkc and casefold", function()
    assert.are.equal("\u{C5} \u{FB01}", q.normalize("A\u{30A} \u{FB01}", "nfc"))
    assert.are.equal("\u{C5} fi", q.normalize("A\u{30A} \u{FB01}", "nfkc"))
    assert.are.equal("strasse h", q.normalize("Straße Ｈ", "casefold"))
    assert.are.equal("a\0b", q.normalize("a\0b", "nfc"))
    assert.are.equal("", q.normalize("", "nfkc"))
  end)

  it("returns nil and a message for invalid UTF-8", function()
    local s, err = q.normalize("ok \xff", "nfc")
    assert.is_nil(s)
    assert.are.equal("invalid UTF-8 at byte 3 (0xFF); repair the text first "
                     .. "(readers do it, or replace the byte with U+FFFD)", err)
  end)

  it("raises on an unknown form or a missing argument", function()
    raises(function() q.normalize("x", "nfd") end, 2, "normalize", "invalid option 'nfd'")
    raises(function() q.normalize("x") end, 2, "normalize", "string expected, got no value")
  end)
end)
