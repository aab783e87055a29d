-- Bookings for the notifications benchmark: bench/http/book.lua's requests (a free start, an
-- e-mail address of its own each), and every wrk thread stops once it has BOOKINGS_PER_THREAD
-- answers 201, so the backlog has a known size (in-flight requests of a stopping thread may
-- still book: the script counts the mails that arrive, not the requests).
dofile(os.getenv("BENCH_DIR") .. "/book.lua")

local per_thread = tonumber(os.getenv("BOOKINGS_PER_THREAD"))
local created = 0
local count = response

function response(status, headers, body)
  count(status, headers, body)
  if status == 201 then
    created = created + 1
    if created >= per_thread then wrk.thread:stop() end
  end
end
