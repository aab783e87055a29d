// A few threads for blocking work, so threads that must not wait never wait on a socket of their
// own: the gateway's Redis calls of rate limits and idempotency and its readiness probes (the
// HTTP I/O threads), id-documents' lookups (gRPC's callback threads, which also answer the
// health probes):
//
//   WorkQueue blocking(4);
//   blocking.Post([=] { auto decision = limiter.Check(...); respond(...); });
//
// Tasks run in FIFO order; the destructor finishes the queued tasks and joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rathaus::platform {

class WorkQueue {
 public:
  explicit WorkQueue(int threads);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Post(std::function<void()> task);

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace rathaus::platform
