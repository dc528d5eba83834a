-- quarry.Doc: the document view seen by Lua steps, q.doc and p:process.
local q = require "quarry"

-- The message of the error fn raises, without the "file:line: " prefix.
local function err_of(fn, ...)
  local ok, e = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return (tostring(e):gsub("^[^:]+:%d+: ", ""))
end

local TEXT = "Paris and Berlin. Rome is far."

describe("q.doc", function()
  it("takes a text, with the default id 'doc'", function()
    local d = q.doc("Hello.")
    assert.are.equal("doc", d.id)
    assert.are.equal("Hello.", d.text)
  end)

  it("takes a record: id, text, and every other field as meta", function()
    local d = q.doc{ id = 7, text = TEXT, source = "wire", tags = { "a", "b" }, n = 2.5 }
    assert.are.equal("7", d.id)
    assert.are.equal(TEXT, d.text)
    assert.are.equal("wire", d.meta.source)
    assert.are.equal("b", d.meta.tags[2])
    assert.are.equal(2, #d.meta.tags)
    assert.are.equal(2.5, d.meta.n)
    assert.is_nil(d.meta.id)
    assert.is_nil(d.meta.text)
  end)

  it("raises on a record that is not one", function()
    assert.are.equal("bad argument #1 to 'quarry.doc' (the record has no string field 'text')",
                     err_of(q.doc, { id = 1 }))
    assert.are.equal("bad argument #1 to 'quarry.doc' (string or table expected, got number)",
                     err_of(q.doc, 3))
    assert.are.equal("bad argument #1 to 'quarry.doc' (record field 'f': a function cannot be stored as JSON (use strings, numbers, booleans, tables))",
                     err_of(q.doc, { text = "x", f = print }))
  end)

  it("prints as its id and size", function()
    assert.are.equal("quarry.Doc 'a' (3 bytes)", tostring(q.doc{ id = "a", text = "abc" }))
  end)
end)

describe("doc.meta", function()
  it("is read-only, nested tables too", function()
    local d = q.doc{ text = "x", source = "wire", nested = { k = 1 } }
    assert.are.equal("doc.meta is read-only; store your own values in doc.fields",
                     err_of(function() d.meta.source = "other" end))
    assert.are.equal("doc.meta is read-only; store your own values in doc.fields",
                     err_of(function() d.meta.nested.k = 2 end))
    assert.are.equal("wire", d.meta.source)
  end)

  it("iterates with pairs", function()
    local d = q.doc{ text = "x", a = 1, b = 2 }
    local keys = {}
    for k, v in pairs(d.meta) do keys[#keys + 1] = k .. "=" .. v end
    table.sort(keys)
    assert.are.same({ "a=1", "b=2" }, keys)
  end)

  it("is an empty table when the record had none", function()
    assert.is_nil(next(q.doc("x").meta))
  end)

  it("turns JSON null into q.null", function()
    local d = q.doc{ text = "x", list = { 1, q.null, 3 } }
    assert.are.equal(q.null, d.meta.list[2])
    assert.are.equal(3, #d.meta.list)
  end)
end)

describe("doc.fields", function()
  it("stores strings, numbers, booleans, arrays and tables as JSON", function()
    local d = q.doc("x")
    d.fields.s = "text"
    d.fields.i = 3
    d.fields.f = 2.5
    d.fields.b = false
    d.fields.list = { 1, "two", true }
    d.fields.obj = { a = { 1, 2 }, b = "c" }
    d.fields.empty = {}
    assert.are.equal('{"b":false,"empty":[],"f":2.5,"i":3,"list":[1,"two",true],"obj":{"a":[1,2],"b":"c"},"s":"text"}',
                     tostring(d.fields))
    assert.are.equal("text", d.fields.s)
    assert.are.equal(3, d.fields.i)
    assert.is_true(math.type(d.fields.i) == "integer")
    assert.are.equal(false, d.fields.b)
    assert.are.same({ 1, "two", true }, d.fields.list)
    assert.are.same({ a = { 1, 2 }, b = "c" }, d.fields.obj)
  end)

  it("deletes a field assigned nil; absent fields read nil", function()
    local d = q.doc("x")
    d.fields.a = 1
    d.fields.a = nil
    assert.is_nil(d.fields.a)
    assert.is_nil(d.fields.never)
    assert.are.equal("{}", tostring(d.fields))
  end)

  it("iterates with pairs", function()
    local d = q.doc("x")
    d.fields.a, d.fields.b = 1, 2
    local sum = 0
    for _, v in pairs(d.fields) do sum = sum + v end
    assert.are.equal(3, sum)
  end)

  it("refuses what JSON cannot hold", function()
    local d = q.doc("x")
    assert.are.equal("cannot store doc.fields.f: a function cannot be stored as JSON (use strings, numbers, booleans, tables)",
                     err_of(function() d.fields.f = print end))
    assert.are.equal("cannot store doc.fields.m: a table stored as JSON needs either keys 1..n or string keys only",
                     err_of(function() d.fields.m = { 1, x = 2 } end))
    assert.are.equal("cannot store doc.fields.n: number infinity cannot be stored as JSON",
                     err_of(function() d.fields.n = math.huge end))
    assert.are.equal("cannot store doc.fields.n: number NaN cannot be stored as JSON",
                     err_of(function() d.fields.n = 0/0 end))
    local cyc = {}
    cyc.self = cyc
    assert.are.equal("cannot store doc.fields.c: value nested more than 100 levels deep (a table that contains itself?)",
                     err_of(function() d.fields.c = cyc end))
    assert.are.equal("field names are strings, got a number",
                     err_of(function() d.fields[1] = "x" end))
  end)
end)

describe("doc fields that are not there", function()
  it("raise on reading and on assigning", function()
    local d = q.doc("x")
    assert.are.equal("quarry.Doc has no field 'titel' (keep your own values in doc.fields.titel)",
                     err_of(function() return d.titel end))
    assert.are.equal("cannot assign doc.text: it is read-only",
                     err_of(function() d.text = "y" end))
    assert.are.equal("cannot assign doc.label: it is read-only (doc:set_label(label, score) chooses the label)",
                     err_of(function() d.label = "y" end))
    assert.are.equal("cannot replace doc.fields; assign its keys instead (doc.fields.name = value)",
                     err_of(function() d.fields = {} end))
    assert.are.equal("cannot assign doc.titel; keep your own values in doc.fields.titel",
                     err_of(function() d.titel = "y" end))
  end)
end)

describe("doc:tokens()", function()
  local d = q.doc(TEXT)

  it("is a lazy array of {start, stop, kind, key, text}", function()
    local t = d:tokens()
    assert.are.equal(8, #t)
    assert.are.same({ start = 1, stop = 5, kind = "word", key = "paris", text = "Paris" }, t[1])
    assert.are.same({ start = 17, stop = 17, kind = "punct", key = ".", text = "." }, t[4])
    assert.is_nil(t[9])
    assert.is_nil(t[0])
  end)

  it("iterates as i, start, stop, kind, key (1-based inclusive, as string.sub)", function()
    local got = {}
    for i, s, e, kind, key in d:tokens() do
      got[#got + 1] = table.concat({ i, s, e, kind, key, d.text:sub(s, e) }, " ")
    end
    assert.are.same({ "1 1 5 word paris Paris", "2 7 9 word and and", "3 11 16 word berlin Berlin",
                      "4 17 17 punct . .", "5 19 22 word rome Rome", "6 24 25 word is is",
                      "7 27 29 word far far", "8 30 30 punct . ." }, got)
  end)
end)

describe("doc:sentences()", function()
  it("gives positions and token ranges", function()
    local d = q.doc(TEXT)
    local s = d:sentences()
    assert.are.equal(2, #s)
    assert.are.same({ start = 1, stop = 17, first_token = 1, last_token = 4, text = "Paris and Berlin." }, s[1])
    local got = {}
    for i, a, b, ft, lt in d:sentences() do got[#got + 1] = table.concat({ i, a, b, ft, lt }, " ") end
    assert.are.same({ "1 1 17 1 4", "2 19 30 5 8" }, got)
  end)
end)

describe("entities", function()
  local function sample()
    local d = q.doc{ id = "e1", text = TEXT }
    d:add_entity(1, 5, "CITY", "Q90")
    d:add_entity(11, 16, "CITY", nil, { population = 3645000 })
    d:add_entity(19, 22, "CAPITAL")
    return d
  end

  it("are added with string.sub positions and read back", function()
    local d = sample()
    assert.are.equal(3, #d:entities())
    assert.are.equal(2, #d:entities("CITY"))
    assert.are.equal(0, #d:entities("PERSON"))
    assert.are.same({ start = 11, stop = 16, label = "CITY", text = "Berlin", score = 1,
                      attrs = { population = 3645000 } }, d:entities()[2])
    assert.are.same({ start = 1, stop = 5, label = "CITY", id = "Q90", text = "Paris", score = 1 },
                    d:entities("CITY")[1])
    assert.are.equal("Rome", d:entities("CAPITAL")[1].text)
  end)

  it("iterate as i, start, stop, label, id", function()
    local got = {}
    for i, s, e, label, id in sample():entities() do
      got[#got + 1] = table.concat({ i, s, e, label, id or "-" }, " ")
    end
    assert.are.same({ "1 1 5 CITY Q90", "2 11 16 CITY -", "3 19 22 CAPITAL -" }, got)
  end)

  it("a view lists the entities present when it was made", function()
    local d = sample()
    local before = d:entities()
    d:add_entity(27, 29, "PLACE")
    assert.are.equal(3, #before)
    assert.are.equal(4, #d:entities())
  end)

  it("refuse positions outside the text and empty labels", function()
    local d = q.doc(TEXT)
    assert.are.equal("bad argument #1 to 'add_entity' (start 0 is outside the text (1..30))",
                     err_of(function() d:add_entity(0, 3, "X") end))
    assert.are.equal("bad argument #2 to 'add_entity' (stop 31 is outside 3..30 (an entity has at least one byte))",
                     err_of(function() d:add_entity(3, 31, "X") end))
    assert.are.equal("bad argument #2 to 'add_entity' (stop 2 is outside 3..30 (an entity has at least one byte))",
                     err_of(function() d:add_entity(3, 2, "X") end))
    assert.are.equal("bad argument #3 to 'add_entity' (label is empty)",
                     err_of(function() d:add_entity(1, 2, "") end))
    assert.are.equal("bad argument #2 to 'add_entity' (number has no integer representation)",
                     err_of(function() d:add_entity(1, 2.5, "X") end))
    assert.are.equal("bad argument #5 to 'add_entity' (table expected, got string)",
                     err_of(function() d:add_entity(1, 2, "X", nil, "attrs") end))
    assert.are.equal("bad argument #5 to 'add_entity' (attrs must be a table with string keys)",
                     err_of(function() d:add_entity(1, 2, "X", nil, { 1, 2 }) end))
    assert.are.equal(0, #d:entities())
  end)

  it("refuse a start or stop that cuts a UTF-8 character", function()
    -- ã is bytes 2..3, € bytes 12..14; \255\128 are invalid bytes (no character to cut)
    local d = q.doc("São Paulo € x \255\128y")
    assert.are.equal("bad argument #1 to 'add_entity' (start 3 cuts the UTF-8 character at 2..3; "
                     .. "start at its first byte)", err_of(function() d:add_entity(3, 4, "X") end))
    assert.are.equal("bad argument #2 to 'add_entity' (stop 2 cuts the UTF-8 character at 2..3; "
                     .. "stop at its last byte)", err_of(function() d:add_entity(1, 2, "X") end))
    assert.are.equal("bad argument #1 to 'add_entity' (start 13 cuts the UTF-8 character at "
                     .. "12..14; start at its first byte)",
                     err_of(function() d:add_entity(13, 14, "X") end))
    assert.are.equal("bad argument #2 to 'add_entity' (stop 13 cuts the UTF-8 character at "
                     .. "12..14; stop at its last byte)",
                     err_of(function() d:add_entity(12, 13, "X") end))
    assert.are.equal(0, #d:entities())
    d:add_entity(1, 3, "A")
    d:add_entity(12, 14, "EUR")
    d:add_entity(16, 19, "BAD")
    d:add_entity(19, 20, "BAD2")
    local got = {}
    for _, s, e, label in d:entities() do got[#got + 1] = s .. "-" .. e .. ":" .. label end
    assert.are.same({ "1-3:A", "12-14:EUR", "16-19:BAD", "19-20:BAD2" }, got)
  end)
end)

describe("labels", function()
  it("keep a score per label; the chosen label has the highest score", function()
    local d = q.doc("x")
    local labels, chosen = d:labels()
    assert.are.same({}, labels)
    assert.is_nil(chosen)
    d:set_label("spam", 0.25)
    d:set_label("ham", 0.75)
    d:set_label("eggs", 0.5)
    labels, chosen = d:labels()
    assert.are.same({ spam = 0.25, ham = 0.75, eggs = 0.5 }, labels)
    assert.are.equal("ham", chosen)
    assert.are.equal("ham", d.label)
    d:set_label("spam")
    assert.are.equal("spam", d.label)
    assert.are.equal(1, (d:labels()).spam)
  end)

  it("refuse an empty label", function()
    local d = q.doc("x")
    assert.are.equal("bad argument #1 to 'set_label' (label is empty)",
                     err_of(function() d:set_label("", 1) end))
  end)

  it("refuse a score that is not a finite number", function()
    local d = q.doc("x")
    d:set_label("a", 1)
    assert.are.equal("the score of label 'nan' must be a finite number, got NaN",
                     err_of(function() d:set_label("nan", 0/0) end))
    assert.are.equal("the score of label 'inf' must be a finite number, got infinity",
                     err_of(function() d:set_label("inf", math.huge) end))
    assert.are.equal("the score of label 'ninf' must be a finite number, got -infinity",
                     err_of(function() d:set_label("ninf", -math.huge) end))
    assert.are.same({ a = 1 }, (d:labels()))
    assert.are.equal("a", d.label)
  end)
end)

-- C keeps names up to their first NUL byte: a name holding one would be cut
-- short (and two names made one) without a word, so it raises.
describe("names with a NUL byte", function()
  local NUL = "cannot hold a NUL byte"
  it("are refused as field names and keys", function()
    local d = q.doc("xyz")
    assert.are.equal("a field name " .. NUL .. " (\\0 at byte 1); remove it",
                     err_of(function() d.fields["a\0one"] = 1 end))
    assert.are.equal("cannot store doc.fields.obj: key 'x' " .. NUL .. " (\\0 at byte 1); remove it",
                     err_of(function() d.fields.obj = { ["x\0y"] = 1, x = 2 } end))
    assert.is_nil(d.fields.a)
    assert.is_nil(d.fields.obj)
  end)

  it("are refused as labels, ids and attribute keys of entities and labels", function()
    local d = q.doc("xyz")
    assert.are.equal("bad argument #3 to 'add_entity' (a label " .. NUL .. " (\\0 at byte 1); remove it)",
                     err_of(function() d:add_entity(1, 1, "L\0M") end))
    assert.are.equal("bad argument #4 to 'add_entity' (an id " .. NUL .. " (\\0 at byte 1); remove it)",
                     err_of(function() d:add_entity(1, 1, "L", "i\0d") end))
    assert.are.equal("bad argument #5 to 'add_entity' (key 'k' " .. NUL .. " (\\0 at byte 1); remove it)",
                     err_of(function() d:add_entity(1, 1, "L", "id", { ["k\0"] = 1 }) end))
    assert.are.equal("bad argument #1 to 'set_label' (a label " .. NUL .. " (\\0 at byte 3); remove it)",
                     err_of(function() d:set_label("lab\0el", 2) end))
    assert.are.equal("bad argument #1 to 'entities' (a label " .. NUL .. " (\\0 at byte 1); remove it)",
                     err_of(function() d:entities("L\0") end))
    assert.are.equal(0, #d:entities())
    assert.is_nil(d.label)
  end)

  it("are refused in records, gazetteers and regexes", function()
    assert.are.equal("bad argument #1 to 'quarry.doc' (the record's 'id' " .. NUL .. " (\\0 at byte 1); remove it)",
                     err_of(q.doc, { text = "t", id = "a\0b" }))
    assert.are.equal("bad argument #1 to 'quarry.doc' (record key 'm' " .. NUL .. " (\\0 at byte 1); remove it)",
                     err_of(q.doc, { text = "t", ["m\0x"] = 1 }))
    assert.are.equal("option 'label' " .. NUL .. " (\\0 at byte 1); remove it",
                     err_of(q.gazetteer, { entries = { { phrase = "x", label = "Y\0Z" } } }))
    assert.are.equal("an id " .. NUL .. " (\\0 at byte 1); remove it",
                     err_of(q.gazetteer, { entries = { { phrase = "x", label = "Y", id = "i\0d" } } }))
    assert.are.equal("a phrase " .. NUL .. " (\\0 at byte 3); remove it",
                     err_of(q.gazetteer, { entries = { "New\0York" }, label = "C" }))
    assert.are.equal("bad argument #1 to 'quarry.regex' (a label " .. NUL .. " (\\0 at byte 1); remove it)",
                     err_of(q.regex, { ["A\0B"] = "x" }))
  end)
end)
