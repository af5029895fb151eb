-- POSTs JSON as one browser would: its own CSRF cookie and header, and the session cookie
-- the store gave it on the first answer. Run with one connection per thread, so each
-- thread is one shopper.
--   wrk ... -s session_post.lua URL -- <path> [<item id>,<item id>,...]
-- With item ids, the body is {"itemId": N} cycling through them (cart add); without,
-- the body is {} (the bare session-writing view).

local path = "/"
local items = {}
local session = nil
local sent = 0
-- Django takes any 32 letters and digits as the CSRF secret, in the cookie and the header.
-- Each thread is its own browser, so each gets its own CSRF cookie (set by `setup`): the
-- store treats first requests sharing one as the same browser's and joins their sessions.
token = "benchbenchbenchbenchbenchbench12"
local threads = 0

function setup(thread)
   threads = threads + 1
   thread:set("token", string.format("bench%027d", threads))
end

function init(args)
   path = args[1] or "/"
   for id in string.gmatch(args[2] or "", "%d+") do
      items[#items + 1] = id
   end
end

function request()
   sent = sent + 1
   local cookie = "csrftoken=" .. token
   if session then
      cookie = cookie .. "; sessionid=" .. session
   end
   local body = "{}"
   if #items > 0 then
      body = '{"itemId": ' .. items[(sent % #items) + 1] .. "}"
   end
   return wrk.format("POST", path, {
      ["Content-Type"] = "application/json",
      ["Accept"] = "application/json",
      ["X-CSRFToken"] = token,
      ["Cookie"] = cookie,
   }, body)
end

-- wrk hands over only the last Set-Cookie header of an answer. Django's session cookie is
-- the last one it sets (the session middleware answers after the CSRF middleware), and the
-- harness counts the sessions made, so a lost session cookie fails the run.
function response(status, headers, body)
   for name, value in pairs(headers) do
      if string.lower(name) == "set-cookie" then
         local id = string.match(value, "sessionid=([^;]+)")
         if id then
            session = id
         end
      end
   end
end
