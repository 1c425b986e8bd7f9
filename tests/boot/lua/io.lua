-- Lua's io and os libraries on files in /tmp: write, append, read back by
-- lines, numbers and blocks, seek, rename, remove, and their errors.
local name = "/tmp/keel-lua-io.txt"
local f = assert(io.open(name, "w"))
for i = 1, 1000 do
  f:write(string.format("line %d %s\n", i, string.rep("x", i % 17)))
end
f:close()
f = assert(io.open(name, "a"))
f:write("3.25 42 end\n")
f:close()
local count, sum = 0, 0
for line in io.lines(name) do
  count = count + 1
  sum = sum + #line
end
print("lines", count, "bytes", sum)
f = assert(io.open(name, "r"))
print("size", f:seek("end"))
f:seek("set", 5)
print("at 5:", f:read(3))
f:seek("end", -12)
print("numbers", f:read("n", "n"), f:read("l"))
print("eof", f:read("a") == "", f:read("l"))
f:close()
local g = assert(io.open(name, "r+b"))
g:seek("set", 0)
g:write("LINE")
g:seek("set", 0)
print("rewritten", g:read(10))
g:close()
print("rename", os.rename(name, name .. ".2"))
print("old gone", io.open(name, "r"))
print("remove", os.remove(name .. ".2"))
print("remove again", os.remove(name .. ".2"))
print("no dir", io.open("/tmp/no/such/dir/file", "w"))
local t = os.tmpname()
print("tmpname in /tmp", t:sub(1, 5) == "/tmp/")
os.remove(t)
