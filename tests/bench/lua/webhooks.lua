-- POSTs pre-signed Stripe events to /stripe/webhook/, each event by one thread only.
--   wrk ... -s webhooks.lua URL -- <events file> <threads> <fresh|replay>
-- The events file has one event a line: "<Stripe-Signature header>\t<JSON body>".
-- "fresh" sends each event once and stops the thread when its share runs out;
-- "replay" goes round its share again and again (every delivery a duplicate).

local counter = 0

function setup(thread)
   thread:set("thread_number", counter)
   counter = counter + 1
end

local requests = {}
local position = 0
local replay = false

function init(args)
   local threads = tonumber(args[2])
   replay = args[3] == "replay"
   local line_number = 0
   for line in io.lines(args[1]) do
      if line_number % threads == thread_number then
         local tab = string.find(line, "\t", 1, true)
         requests[#requests + 1] = wrk.format("POST", "/stripe/webhook/", {
            ["Content-Type"] = "application/json",
            ["Stripe-Signature"] = string.sub(line, 1, tab - 1),
         }, string.sub(line, tab + 1))
      end
      line_number = line_number + 1
   end
end

function request()
   position = position + 1
   if position > #requests then
      if replay then
         position = 1
      else
         wrk.thread:stop()
         position = #requests
      end
   end
   return requests[position]
end
