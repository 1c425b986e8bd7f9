-- A CPU-bound Lua workload for bench/: calls, tables, strings and floating
-- point in proportions like the everyday work of an interpreter. Prints a
-- checksum so a wrong result cannot pass as a fast one.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end

local function tables(n)
	local t = {}
	for i = 1, n do t[i] = { id = i, v = (i * 7919) % 1000 } end
	table.sort(t, function(a, b) if a.v ~= b.v then return a.v < b.v end return a.id < b.id end)
	local s = 0
	for i = 1, n, 97 do s = s + t[i].id end
	return s
end

local function strings(n)
	local parts = {}
	for i = 1, n do parts[#parts + 1] = string.format("%d:%x", i, i * 31) end
	local s = table.concat(parts, ",")
	local count = 0
	for _ in s:gmatch("%d+:f") do count = count + 1 end
	return #s + count
end

local function floats(n)
	local x, y = 0.5, 0.25
	for i = 1, n do
		x = math.sin(x + i) * 0.5 + math.sqrt(y + i) * 1e-3
		y = (y * 1.000001 + x) % 10.0
	end
	return x + y
end

local sum = fib(24) + tables(60000) + strings(60000)
print(string.format("bench.lua: checksum %d %.9f", sum, floats(300000)))
