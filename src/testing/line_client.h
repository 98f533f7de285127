// LineClient: a blocking loopback client for line protocols (RESP, NATS) with a deadline on every
// read. Test-only; one thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <string>

namespace aio::testing {

class LineClient {
 public:
  explicit LineClient(int port) : socket_(io_) {
    socket_.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                   static_cast<unsigned short>(port)));
  }

  void Send(const std::string& bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }

  // The next line (without CRLF), or "<timeout>" / "<closed>".
  std::string ReadLine(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    std::string line = "<timeout>";
    boost::asio::async_read_until(socket_, boost::asio::dynamic_buffer(buffer_), "\r\n",
                                  [&](boost::system::error_code ec, size_t n) {
                                    if (ec) {
                                      line = "<closed>";
                                      return;
                                    }
                                    line = buffer_.substr(0, n - 2);
                                    buffer_.erase(0, n);
                                  });
    io_.restart();
    io_.run_for(timeout);
    if (!io_.stopped()) {
      boost::system::error_code ignored;
      socket_.cancel(ignored);
      io_.restart();
      io_.run();
      line = "<timeout>";
    }
    return line;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string buffer_;
};

}  // namespace aio::testing
