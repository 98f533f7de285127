// Core NATS messaging against the real `aio` binary, driven by nats.c (Debian's libnats) and, for
// protocol-level checks (exact -ERR texts, server-side limits), by a raw socket.
#include <nats/nats.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aio_process.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::systest {
namespace {

using ::testing::HasSubstr;
using Config = std::map<std::string, std::string>;

struct ConnDeleter {
  void operator()(natsConnection* nc) const { natsConnection_Destroy(nc); }
};
struct SubDeleter {
  void operator()(natsSubscription* sub) const { natsSubscription_Destroy(sub); }
};
struct MsgDeleter {
  void operator()(natsMsg* msg) const { natsMsg_Destroy(msg); }
};
using Conn = std::unique_ptr<natsConnection, ConnDeleter>;
using Sub = std::unique_ptr<natsSubscription, SubDeleter>;
using Msg = std::unique_ptr<natsMsg, MsgDeleter>;

Conn Connect(const AioProcess& aio, bool echo = true) {
  natsOptions* opts = nullptr;
  EXPECT_EQ(natsOptions_Create(&opts), NATS_OK);
  natsOptions_SetURL(opts, aio.url().c_str());
  natsOptions_SetNoEcho(opts, !echo);
  natsOptions_SetAllowReconnect(opts, false);
  natsConnection* nc = nullptr;
  const natsStatus status = natsConnection_Connect(&nc, opts);
  natsOptions_Destroy(opts);
  EXPECT_EQ(status, NATS_OK) << natsStatus_GetText(status);
  return Conn(nc);
}

Sub SubscribeSync(natsConnection* nc, const char* subject, const char* queue = nullptr) {
  natsSubscription* sub = nullptr;
  const natsStatus status = queue == nullptr
                                ? natsConnection_SubscribeSync(&sub, nc, subject)
                                : natsConnection_QueueSubscribeSync(&sub, nc, subject, queue);
  EXPECT_EQ(status, NATS_OK);
  return Sub(sub);
}

// The next message's payload, or "<timeout>".
std::string Next(natsSubscription* sub, int64_t timeout_ms = 2000) {
  natsMsg* raw = nullptr;
  if (natsSubscription_NextMsg(&raw, sub, timeout_ms) != NATS_OK) return "<timeout>";
  Msg msg(raw);
  return std::string(natsMsg_GetData(raw), natsMsg_GetDataLength(raw));
}

class MqCoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    aio_ = new AioProcess();
    aio_->Start();
  }
  static void TearDownTestSuite() {
    delete aio_;
    aio_ = nullptr;
  }
  static AioProcess* aio_;
};
AioProcess* MqCoreTest::aio_ = nullptr;

TEST_F(MqCoreTest, InfoAdvertisesTheEmulatedNatsServer) {
  RawClient raw(aio_->mq_port());
  const std::string info = raw.ReadUntil("\r\n");
  EXPECT_THAT(info, HasSubstr("INFO {"));
  EXPECT_THAT(info, HasSubstr("\"version\":\"2.9.10\""));
  EXPECT_THAT(info, HasSubstr("\"headers\":true"));
  EXPECT_THAT(info, HasSubstr("\"max_payload\":1048576"));
  EXPECT_THAT(info, HasSubstr("\"proto\":1"));
  Conn nc = Connect(*aio_);
  EXPECT_EQ(natsConnection_GetMaxPayload(nc.get()), 1048576);
}

TEST_F(MqCoreTest, PublishedMessagesArriveExactlyOnceInOrder) {
  Conn pub = Connect(*aio_);
  Conn sub_conn = Connect(*aio_);
  Sub sub = SubscribeSync(sub_conn.get(), "orders.created");
  ASSERT_EQ(natsConnection_Flush(sub_conn.get()), NATS_OK);
  constexpr int kCount = 5000;
  for (int i = 0; i < kCount; ++i) {
    const std::string payload = "order-" + std::to_string(i);
    ASSERT_EQ(natsConnection_PublishString(pub.get(), "orders.created", payload.c_str()), NATS_OK);
  }
  ASSERT_EQ(natsConnection_Flush(pub.get()), NATS_OK);
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(Next(sub.get()), "order-" + std::to_string(i));
  }
  EXPECT_EQ(Next(sub.get(), 200), "<timeout>");
}

TEST_F(MqCoreTest, WildcardsMatchOneTokenOrTheRest) {
  Conn nc = Connect(*aio_);
  Sub star = SubscribeSync(nc.get(), "sensors.*");
  Sub tail = SubscribeSync(nc.get(), "sensors.>");
  Sub mid = SubscribeSync(nc.get(), "sensors.*.temp");
  natsConnection_PublishString(nc.get(), "sensors.a", "1");
  natsConnection_PublishString(nc.get(), "sensors.a.temp", "2");
  natsConnection_PublishString(nc.get(), "sensors", "3");
  natsConnection_Flush(nc.get());
  EXPECT_EQ(Next(star.get()), "1");
  EXPECT_EQ(Next(star.get(), 200), "<timeout>");
  EXPECT_EQ(Next(tail.get()), "1");
  EXPECT_EQ(Next(tail.get()), "2");
  EXPECT_EQ(Next(tail.get(), 200), "<timeout>");
  EXPECT_EQ(Next(mid.get()), "2");
  EXPECT_EQ(Next(mid.get(), 200), "<timeout>");
}

TEST_F(MqCoreTest, QueueGroupDeliversEachMessageToOneMember) {
  std::vector<Conn> conns;
  std::vector<Sub> members;
  for (int i = 0; i < 4; ++i) {
    conns.push_back(Connect(*aio_));
    members.push_back(SubscribeSync(conns.back().get(), "jobs", "workers"));
    natsConnection_Flush(conns.back().get());
  }
  Conn plain_conn = Connect(*aio_);
  Sub plain = SubscribeSync(plain_conn.get(), "jobs");
  natsConnection_Flush(plain_conn.get());
  Conn pub = Connect(*aio_);
  constexpr int kCount = 400;
  for (int i = 0; i < kCount; ++i) natsConnection_PublishString(pub.get(), "jobs", "j");
  natsConnection_Flush(pub.get());
  int total = 0;
  for (auto& member : members) {
    int got = 0;
    while (Next(member.get(), 300) != "<timeout>") ++got;
    EXPECT_GT(got, 0) << "every member gets a share";
    total += got;
  }
  EXPECT_EQ(total, kCount);
  int plain_got = 0;
  while (Next(plain.get(), 300) != "<timeout>") ++plain_got;
  EXPECT_EQ(plain_got, kCount) << "a plain subscriber still sees every message";
}

void Echo(natsConnection* nc, natsSubscription*, natsMsg* msg, void*) {
  const std::string reply = "echo:" + std::string(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
  natsConnection_PublishString(nc, natsMsg_GetReply(msg), reply.c_str());
  natsMsg_Destroy(msg);
}

TEST_F(MqCoreTest, RequestReplyAndNoResponders) {
  Conn service = Connect(*aio_);
  natsSubscription* raw_sub = nullptr;
  ASSERT_EQ(natsConnection_Subscribe(&raw_sub, service.get(), "svc.echo", Echo, nullptr), NATS_OK);
  Sub sub(raw_sub);
  natsConnection_Flush(service.get());
  Conn client = Connect(*aio_);
  for (int i = 0; i < 20; ++i) {
    natsMsg* reply = nullptr;
    const std::string body = "ping" + std::to_string(i);
    ASSERT_EQ(natsConnection_RequestString(&reply, client.get(), "svc.echo", body.c_str(), 2000),
              NATS_OK);
    Msg owned(reply);
    EXPECT_EQ(std::string(natsMsg_GetData(reply), natsMsg_GetDataLength(reply)), "echo:" + body);
  }
  natsMsg* reply = nullptr;
  EXPECT_EQ(natsConnection_RequestString(&reply, client.get(), "svc.nobody", "x", 2000),
            NATS_NO_RESPONDERS);
}

TEST_F(MqCoreTest, HeadersRoundTrip) {
  Conn nc = Connect(*aio_);
  Sub sub = SubscribeSync(nc.get(), "with.headers");
  natsMsg* out = nullptr;
  ASSERT_EQ(natsMsg_Create(&out, "with.headers", nullptr, "body", 4), NATS_OK);
  natsMsgHeader_Set(out, "Trace-Id", "abc-123");
  natsMsgHeader_Add(out, "Multi", "1");
  natsMsgHeader_Add(out, "Multi", "2");
  ASSERT_EQ(natsConnection_PublishMsg(nc.get(), out), NATS_OK);
  natsMsg_Destroy(out);
  natsMsg* in = nullptr;
  ASSERT_EQ(natsSubscription_NextMsg(&in, sub.get(), 2000), NATS_OK);
  Msg owned(in);
  const char* value = nullptr;
  ASSERT_EQ(natsMsgHeader_Get(in, "Trace-Id", &value), NATS_OK);
  EXPECT_STREQ(value, "abc-123");
  const char** values = nullptr;
  int count = 0;
  ASSERT_EQ(natsMsgHeader_Values(in, "Multi", &values, &count), NATS_OK);
  EXPECT_EQ(count, 2);
  free(values);
  EXPECT_EQ(std::string(natsMsg_GetData(in), natsMsg_GetDataLength(in)), "body");
}

TEST_F(MqCoreTest, EchoFalseSuppressesOwnMessages) {
  Conn quiet = Connect(*aio_, /*echo=*/false);
  Conn other = Connect(*aio_);
  Sub own = SubscribeSync(quiet.get(), "room");
  Sub theirs = SubscribeSync(other.get(), "room");
  natsConnection_Flush(other.get());
  natsConnection_PublishString(quiet.get(), "room", "hi");
  natsConnection_Flush(quiet.get());
  EXPECT_EQ(Next(theirs.get()), "hi");
  EXPECT_EQ(Next(own.get(), 300), "<timeout>");
}

TEST_F(MqCoreTest, UnsubscribeAfterNIsEnforcedByTheServer) {
  RawClient raw(aio_->mq_port());
  raw.ReadUntil("\r\n");
  raw.Send("CONNECT {\"verbose\":false}\r\nSUB tick 7\r\nUNSUB 7 3\r\nPING\r\n");
  raw.ReadUntil("PONG\r\n");
  Conn pub = Connect(*aio_);
  for (int i = 0; i < 10; ++i) natsConnection_PublishString(pub.get(), "tick", "t");
  natsConnection_Flush(pub.get());
  raw.Send("PING\r\n");
  // Three MSGs, then the PONG of the second PING.
  const std::string got = raw.ReadUntil("t\r\nPONG\r\n");
  size_t msgs = 0;
  for (size_t at = got.find("MSG tick 7 1"); at != std::string::npos;
       at = got.find("MSG tick 7 1", at + 1)) {
    ++msgs;
  }
  EXPECT_EQ(msgs, 3u) << got;
  // nats.c's AutoUnsubscribe rides on the same UNSUB.
  Conn nc = Connect(*aio_);
  Sub sub = SubscribeSync(nc.get(), "tock");
  ASSERT_EQ(natsSubscription_AutoUnsubscribe(sub.get(), 2), NATS_OK);
  for (int i = 0; i < 5; ++i)
    natsConnection_PublishString(nc.get(), "tock", std::to_string(i).c_str());
  natsConnection_Flush(nc.get());
  EXPECT_EQ(Next(sub.get()), "0");
  EXPECT_EQ(Next(sub.get()), "1");
  EXPECT_EQ(Next(sub.get(), 200), "<timeout>");
}

TEST_F(MqCoreTest, VerboseAcknowledgesAndPedanticRejectsBadSubjects) {
  RawClient raw(aio_->mq_port());
  raw.ReadUntil("\r\n");
  raw.Send("CONNECT {\"verbose\":true,\"pedantic\":true}\r\nSUB a 1\r\nPUB a.* 1\r\nx\r\nPING\r\n");
  const std::string got = raw.ReadUntil("PONG\r\n");
  EXPECT_THAT(got, HasSubstr("+OK\r\n+OK\r\n-ERR 'Invalid Publish Subject'\r\nPONG\r\n"));
}

TEST_F(MqCoreTest, BadInputGetsNatsServerErrors) {
  {
    RawClient raw(aio_->mq_port());
    raw.ReadUntil("\r\n");
    raw.Send("CONNECT {}\r\nSUB foo..bar 1\r\nSUB foo.>.x 2\r\nPING\r\n");
    const std::string got = raw.ReadUntil("PONG\r\n");
    EXPECT_THAT(got, HasSubstr("-ERR 'Invalid Subject'\r\n-ERR 'Invalid Subject'\r\nPONG"));
  }
  {
    RawClient raw(aio_->mq_port());
    raw.ReadUntil("\r\n");
    raw.Send("CONNECT {}\r\nHELLO world\r\n");
    EXPECT_TRUE(raw.WaitClosed());
    EXPECT_THAT(raw.ReadUntil("", 0), HasSubstr("-ERR 'Unknown Protocol Operation'\r\n"));
  }
  {
    RawClient raw(aio_->mq_port());
    raw.ReadUntil("\r\n");
    raw.Send("CONNECT {}\r\nPUB big 2000000\r\n");
    EXPECT_TRUE(raw.WaitClosed());
    EXPECT_THAT(raw.ReadUntil("", 0), HasSubstr("-ERR 'Maximum Payload Violation'\r\n"));
  }
  {
    RawClient raw(aio_->mq_port());
    raw.ReadUntil("\r\n");
    raw.Send("CONNECT {}\r\nSUB " + std::string(5000, 'a') + " 1\r\n");
    EXPECT_TRUE(raw.WaitClosed());
    EXPECT_THAT(raw.ReadUntil("", 0), HasSubstr("-ERR 'Maximum Control Line Exceeded'\r\n"));
  }
  // The server is still serving.
  Conn nc = Connect(*aio_);
  EXPECT_EQ(natsConnection_Flush(nc.get()), NATS_OK);
}

TEST(MqLimitsTest, MaxPayloadFromConfigIsAdvertisedAndEnforced) {
  AioProcess aio(Config{{"mq.max_payload", "1024"}});
  aio.Start();
  Conn nc = Connect(aio);
  EXPECT_EQ(natsConnection_GetMaxPayload(nc.get()), 1024);
  const std::string big(2000, 'x');
  EXPECT_EQ(natsConnection_Publish(nc.get(), "big", big.data(), static_cast<int>(big.size())),
            NATS_MAX_PAYLOAD);
  RawClient raw(aio.mq_port());
  raw.ReadUntil("\r\n");
  raw.Send("CONNECT {}\r\nPUB big 1025\r\n");
  EXPECT_TRUE(raw.WaitClosed());
  EXPECT_THAT(raw.ReadUntil("", 0), HasSubstr("-ERR 'Maximum Payload Violation'"));
}

TEST(MqLimitsTest, SlowConsumerIsDisconnectedAndCounted) {
  AioProcess aio(Config{{"mq.max_pending", "65536"}});
  aio.Start();
  RawClient slow(aio.mq_port());
  slow.ReadUntil("\r\n");
  // A tiny receive buffer, so the server's writes back up quickly.
  int size = 4096;
  setsockopt(slow.fd(), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  slow.Send("CONNECT {}\r\nSUB firehose 1\r\nPING\r\n");
  slow.ReadUntil("PONG\r\n");
  Conn pub = Connect(aio);
  const std::string payload(1000, 'p');
  // Publish until the server gives up on the reader (how much the kernel's socket buffers absorb
  // first depends on the machine), without reading on the slow side meanwhile.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (aio.Metric("aio_mq_slow_consumers_total") < 1 &&
         std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 5000; ++i) {
      natsConnection_Publish(pub.get(), "firehose", payload.data(),
                             static_cast<int>(payload.size()));
    }
    natsConnection_Flush(pub.get());
  }
  EXPECT_EQ(aio.Metric("aio_mq_slow_consumers_total"), 1);
  // The server has dropped it: only the publisher is left. (The slow side would see the end of the
  // stream only after reading what the kernel buffered, through its tiny window: not waited for.)
  const auto dropped_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (aio.Metric("aio_mq_connections") > 1 && std::chrono::steady_clock::now() < dropped_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(aio.Metric("aio_mq_connections"), 1) << "the slow consumer is disconnected";
  // The publisher is unaffected.
  EXPECT_EQ(natsConnection_Flush(pub.get()), NATS_OK);
}

TEST(MqLimitsTest, StaleConnectionIsClosedAfterUnansweredPings) {
  AioProcess aio(Config{{"mq.ping_interval", "200ms"}, {"mq.max_pings_out", "2"}});
  aio.Start();
  RawClient raw(aio.mq_port());
  raw.Send("CONNECT {}\r\n");
  EXPECT_TRUE(raw.WaitClosed(5000));
  const std::string got = raw.ReadUntil("", 0);
  EXPECT_THAT(got, HasSubstr("PING\r\nPING\r\n-ERR 'Stale Connection'\r\n"));
  // A client that answers stays connected.
  Conn nc = Connect(aio);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(natsConnection_Flush(nc.get()), NATS_OK);
}

TEST(MqLimitsTest, MaxConnectionsRejectsTheExtraClient) {
  AioProcess aio(Config{{"mq.max_connections", "2"}});
  aio.Start();
  RawClient a(aio.mq_port());
  RawClient b(aio.mq_port());
  a.ReadUntil("\r\n");
  b.ReadUntil("\r\n");
  RawClient c(aio.mq_port());
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_THAT(c.ReadUntil("", 0), HasSubstr("-ERR 'maximum connections exceeded'"));
}

}  // namespace
}  // namespace aio::systest
