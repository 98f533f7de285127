// RunBlocking: runs blocking work (password hashing, disk) on a pool made for it and completes on
// the caller's executor, so an I/O thread never runs it. From a coroutine pinned to an I/O thread:
//
//   R result = co_await net::RunBlocking(blocking_pool.get_executor(), [&] { return Work(); },
//                                        boost::asio::use_awaitable);
//
// The coroutine resumes on its own executor (its I/O thread) with `fn`'s result. `fn` runs on a
// pool thread: it must only touch what stays alive and unshared until then (the awaiting frame's
// locals do). Threading: call from the caller's executor; `fn` on `pool`.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <type_traits>
#include <utility>

namespace aio::net {

template <typename Executor, typename Fn, typename CompletionToken>
auto RunBlocking(const Executor& pool, Fn fn, CompletionToken&& token) {
  using Result = std::invoke_result_t<Fn&>;
  return boost::asio::async_initiate<CompletionToken, void(Result)>(
      [pool](auto handler, Fn fn) {
        // Keeps the caller's executor alive (and its io_context from running out of work) until
        // the result is posted back.
        auto work = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
        boost::asio::post(pool, [handler = std::move(handler), fn = std::move(fn),
                                 work = std::move(work)]() mutable {
          Result result = fn();
          auto caller = work.get_executor();
          boost::asio::post(caller,
                            [handler = std::move(handler), result = std::move(result)]() mutable {
                              std::move(handler)(std::move(result));
                            });
          work.reset();
        });
      },
      token, std::move(fn));
}

}  // namespace aio::net
