-- q.classifier: train, load, predict, save.
local q = require "quarry"

local tiny = {
  { text = "buy cheap pills", label = "spam" },
  { text = "cheap cheap offer", label = "spam" },
  { text = "meeting today", label = "ham" },
  { text = "lunch meeting offer", label = "ham" },
}

local function near(a, b) return math.abs(a - b) < 1e-9 end

local function tmpname()
  local p = os.tmpname()
  os.remove(p)
  return p
end

describe("q.classifier", function()
  it("trains a multinomial model and predicts hand-computed probabilities", function()
    local m = assert(q.classifier.train{ docs = tiny })
    -- spam: 4/13 * 1/13 = 4/169; ham: 1/12 * 3/12 = 1/48; P(spam) = 192/361
    local label, scores = m:predict("Cheap meeting zebra")
    assert.are.equal("spam", label)
    assert.is_true(near(scores.spam, 192 / 361))
    assert.is_true(near(scores.ham, 169 / 361))
    assert.are.same({ "ham", "spam" }, m:labels())
    assert.are.equal("quarry.Classifier (multinomial NB, 2 labels, 7 features)", tostring(m))
  end)

  it("predicts from a quarry.Doc", function()
    local m = assert(q.classifier.train{ docs = tiny, kind = "complement", alpha = 0.5 })
    local label, scores = m:predict(q.doc("buy cheap pills"))
    assert.are.equal("spam", label)
    assert.is_true(scores.spam > 0.5)
  end)

  it("gives the priors to an empty text; ties go to the first label", function()
    local m = assert(q.classifier.train{ docs = tiny })
    local label, scores = m:predict("")
    assert.are.equal("ham", label)
    assert.is_true(near(scores.ham, 0.5))
  end)

  it("saves and loads a model with the same predictions", function()
    local m = assert(q.classifier.train{ docs = tiny, bigrams = true, stopwords = "english",
                                         stemmer = "english" })
    local path = tmpname()
    assert.is_true(m:save(path))
    local m2 = assert(q.classifier.load(path))
    local l1, s1 = m:predict("the cheapest offers today")
    local l2, s2 = m2:predict("the cheapest offers today")
    assert.are.equal(l1, l2)
    assert.are.equal(s1.ham, s2.ham)
    os.remove(path)
  end)

  it("trains from a JSONL file", function()
    local path = tmpname()
    local f = assert(io.open(path, "w"))
    for i, d in ipairs(tiny) do
      f:write(string.format('{"id":"d%d","text":"%s","category":"%s"}\n', i, d.text, d.label))
    end
    f:close()
    local m = assert(q.classifier.train{ path = path, label_field = "category" })
    local _, scores = m:predict("cheap meeting")
    assert.is_true(near(scores.spam, 192 / 361))
    os.remove(path)
  end)

  it("returns nil, message on data problems", function()
    local m, err = q.classifier.train{ docs = { tiny[1], tiny[2] } }
    assert.is_nil(m)
    assert.are.equal("training data has only one label ('spam'): a classifier needs examples of "
                     .. "at least two labels", err)
    local path = tmpname()
    local f = assert(io.open(path, "wb"))
    f:write("garbage")
    f:close()
    m, err = q.classifier.load(path)
    assert.is_nil(m)
    assert.are.equal(path .. ": not a quarry model file (no .qrm signature at the start); train one "
                     .. "with 'quarry train PIPELINE DATA -o MODEL'", err)
    os.remove(path)
    m, err = q.classifier.load(path)
    assert.is_nil(m)
    assert.matches("cannot open the model: No such file or directory", err, 1, true)
  end)

  it("raises on misuse", function()
    assert.has_error(function() q.classifier.train{ docs = tiny, alfa = 1 } end,
                     "bad argument #1 to 'train' (unknown option 'alfa')")
    assert.has_error(function() q.classifier.train{ docs = tiny, kind = "bernoulli" } end,
                     "bad argument #1 to 'train' (kind must be 'multinomial' or 'complement')")
    assert.has_error(function() q.classifier.train{ kind = "complement" } end,
                     "bad argument #1 to 'train' (give docs = { {text=..., label=...}, ... } or path = FILE (one of them))")
    assert.has_error(function() q.classifier.train{ docs = { { text = 1 } } } end,
                     "train: docs[1].text must be a string")
    local m = assert(q.classifier.train{ docs = tiny })
    assert.has_error(function() m:predict(42) end,
                     "bad argument #1 to 'predict' (expected a text (string) or a quarry.Doc)")
  end)

  it("closes with <close>", function()
    local m = assert(q.classifier.train{ docs = tiny })
    do
      local c <close> = m
    end
    assert.has_error(function() m:predict("x") end, "calling 'predict' on bad self (the classifier was closed)")
  end)
end)
