function process(doc) end
