-- Lua's own behaviour on Keel: floating point, string formatting,
-- coroutines, time and errors. Every line it prints is deterministic, so
-- the boot test compares the guest's output with the same script run by
-- the same Lua sources built for the host; the asserts catch what a
-- comparison could miss when both sides are wrong the same way.

local function show(...) print(...) end

-- Floating point: arithmetic, the math library, conversions.
local x = 0.0
for i = 1, 1000 do x = x + 1 / i end
show("harmonic(1000)", string.format("%.15g", x))
assert(math.abs(x - 7.485470860550345) < 1e-12)
show("sqrt(2)", string.format("%.17g", math.sqrt(2)))
show("sin/cos", string.format("%.12f %.12f", math.sin(1), math.cos(1)))
show("exp/log", string.format("%.12g %.12g", math.exp(10), math.log(12345.678)))
show("pow", 2 ^ 0.5, 10 ^ -3, 3 ^ 40)
show("floor/ceil", math.floor(-2.5), math.ceil(-2.5), math.fmod(7.5, 2), -7 // 2, -7 % 3, 7.0 // 0.0)
show("huge", math.huge, -math.huge, math.huge ~= math.huge - 1, tostring(0 / 0) == tostring(0 / 0))
show("tointeger", math.tointeger(3.0), math.tointeger(3.5), 1e15, 2 ^ 63, math.maxinteger, math.mininteger)
show("tonumber", tonumber("0x1p4"), tonumber("  12.5e2  "), tonumber("1e400"), tonumber("z", 36))

-- String formatting.
show(string.format("[%5d|%-5d|%05.1f|%x|%X|%o|%e|%g|%a]", 42, 42, 3.14159, 255, 255, 8, 12345.6789, 1e-5, 1.0))
show(string.format("%q", "a\nb\0c\"d"))
show(string.format("%10.3s|%-10s|%c%c%c", "keelfs", "left", 75, 101, 108))
show(("%s has %d bytes"):format("keel", #"keel"), ("x"):rep(5, ","), ("Hello"):upper(), ("Hello"):byte(1, -1))
show(string.find("unikernel", "ker"), string.match("key=value", "(%w+)=(%w+)"), string.gsub("a.b.c", "%.", "/"))
local words = {}
for w in string.gmatch("one two  three", "%a+") do words[#words + 1] = w end
show(table.concat(words, "+"), #words)
show(utf8.char(75, 233, 8364), utf8.len("K\xc3\xa9\xe2\x82\xac"))
local t = { 5, 3, 9, 1, 7, 2 }
table.sort(t)
show(table.concat(t, " "))
table.sort(t, function(a, b) return a > b end)
show(table.concat(t, " "))
show(string.pack and #string.pack("i4d", 1, 2.5), select("#", string.unpack("i4d", string.pack("i4d", 1, 2.5))))

-- Coroutines.
local gen = coroutine.wrap(function()
	for i = 1, 5 do coroutine.yield(i * i) end
	return "done"
end)
local squares = {}
for _ = 1, 6 do squares[#squares + 1] = tostring(gen()) end
show("coroutine", table.concat(squares, ","))
local co = coroutine.create(function(a, b)
	local c = coroutine.yield(a + b)
	local d, e = coroutine.yield(c * 2)
	return d + e
end)
show(coroutine.resume(co, 1, 2))
show(coroutine.resume(co, 10))
show(coroutine.resume(co, 3, 4))
show(coroutine.status(co), coroutine.resume(co))
local deep = coroutine.wrap(function()
	local function rec(n) if n == 0 then coroutine.yield("bottom") return 0 end return 1 + rec(n - 1) end
	return rec(150)
end)
show(deep(), deep())

-- Errors.
show(pcall(error, "plain"))
local okt, e = pcall(error, { code = 7 })
show(okt, type(e), e.code)
local ok, err = pcall(function() local t = nil; return t.field end)
show(ok, (err:gsub("^.-:%d+: ", "")))
show(select(2, pcall(function() error("with level", 2) end)) ~= nil)
show(xpcall(function() error("traced") end, function(m) return "handled: " .. m:gsub("^.-:%d+: ", "") end))
ok, err = pcall(string.rep)
show(ok, err)
ok, err = pcall(function() return 1 + {} end)
show(ok, (err:gsub("^.-:%d+: ", "")))
local closed = {}
do
	local _ <close> = setmetatable({}, { __close = function() closed[#closed + 1] = "closed" end })
end
show(closed[1])

-- Time: os.time and os.clock move forward and agree roughly.
local t0, c0 = os.time(), os.clock()
local sum = 0
for i = 1, 3e6 do sum = sum + i % 7 end
local c1 = os.clock()
assert(sum > 0)
assert(os.time() >= t0 and t0 > 1500000000, "os.time")
assert(c1 > c0, "os.clock does not advance")
show("date", os.date("!%Y-%m-%d %H:%M:%S", 0), os.time({ year = 2020, month = 2, day = 29, hour = 12 }) ~= nil)

-- Memory: the collector frees what was made.
local before = collectgarbage("count")
do local big = {} for i = 1, 200000 do big[i] = { i } end end
collectgarbage()
show("gc", collectgarbage("count") < before + 1024)

print("lua basics: ok")
