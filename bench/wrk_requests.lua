-- wrk script for bench/webhooks.py. Arguments (after --): mode path prefix [body_file headers_file]
--   mode "post": POST the body with the fixed headers and a unique X-Shopify-Event-Id per request
--                (prefix-thread-counter), so the receiver stores every delivery instead of
--                taking its duplicate path;
--   mode "get":  GET the path.
-- done() prints one line, "BENCH {json}", that the bench parses (latencies in microseconds).

local threads = {}

function setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

local function read_file(name)
   local file = assert(io.open(name, "rb"))
   local content = file:read("*a")
   file:close()
   return content
end

function init(args)
   mode, path, prefix = args[1], args[2], args[3]
   sent, ok = 0, 0
   if mode == "post" then
      body = read_file(args[4])
      headers = {}
      for line in io.lines(args[5]) do
         local name, value = line:match("^([^:]+):%s*(.*)$")
         headers[name] = value
      end
   end
end

function request()
   sent = sent + 1
   if mode ~= "post" then
      return wrk.format("GET", path)
   end
   local id = prefix .. "-" .. tid .. "-" .. sent
   headers["X-Shopify-Event-Id"] = id
   headers["X-Shopify-Webhook-Id"] = id
   return wrk.format("POST", path, headers, body)
end

function response(status, _headers, _body)
   if status == 200 then
      ok = ok + 1
   end
end

function done(summary, latency, requests)
   local all_sent, all_ok = 0, 0
   for _, thread in ipairs(threads) do
      all_sent = all_sent + thread:get("sent")
      all_ok = all_ok + thread:get("ok")
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests":%d,"duration_us":%d,"sent":%d,"ok":%d,"p50_us":%d,"p99_us":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
      summary.requests, summary.duration, all_sent, all_ok,
      latency:percentile(50), latency:percentile(99),
      e.connect, e.read, e.write, e.status, e.timeout))
end
