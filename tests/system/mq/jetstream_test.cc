// JetStream against the real `aio` binary, driven by nats.c's js_* API unmodified: streams,
// acknowledged publishes, dedupe, durable pull consumers (fetch, ack, NAK, ack_wait redelivery),
// push consumers, work-queue retention, invalid configs, state after kill -9 and restart,
// rollups, direct get, idle heartbeats, ordered consumers (flow control) and refused features.
#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <cstring>
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

struct ConnDeleter {
  void operator()(natsConnection* nc) const { natsConnection_Destroy(nc); }
};
struct JsDeleter {
  void operator()(jsCtx* js) const { jsCtx_Destroy(js); }
};
struct SubDeleter {
  void operator()(natsSubscription* sub) const { natsSubscription_Destroy(sub); }
};
using Conn = std::unique_ptr<natsConnection, ConnDeleter>;
using Js = std::unique_ptr<jsCtx, JsDeleter>;
using Sub = std::unique_ptr<natsSubscription, SubDeleter>;

constexpr int64_t kMsToNs = 1'000'000;

class JetStreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    aio_ = new AioProcess();
    aio_->Start();
  }
  static void TearDownTestSuite() {
    delete aio_;
    aio_ = nullptr;
  }

  void SetUp() override { Reconnect(); }
  void TearDown() override {
    js_.reset();
    nc_.reset();
  }
  void Reconnect() {
    js_.reset();
    nc_.reset();
    natsOptions* opts = nullptr;
    ASSERT_EQ(natsOptions_Create(&opts), NATS_OK);
    natsOptions_SetURL(opts, aio_->url().c_str());
    natsOptions_SetAllowReconnect(opts, false);
    natsConnection* nc = nullptr;
    const natsStatus s = natsConnection_Connect(&nc, opts);
    natsOptions_Destroy(opts);
    ASSERT_EQ(s, NATS_OK) << natsStatus_GetText(s);
    nc_.reset(nc);
    jsCtx* js = nullptr;
    ASSERT_EQ(natsConnection_JetStream(&js, nc, nullptr), NATS_OK);
    js_.reset(js);
  }

  // Creates a file stream on `subjects` (with the bool option `flag` set, if any); returns the
  // JetStream error code (0 = created).
  jsErrCode AddStream(const char* name, std::vector<const char*> subjects,
                      jsRetentionPolicy retention = js_LimitsPolicy, int64_t max_age_ns = 0,
                      bool jsStreamConfig::*flag = nullptr) {
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = name;
    cfg.Subjects = subjects.data();
    cfg.SubjectsLen = static_cast<int>(subjects.size());
    cfg.Retention = retention;
    cfg.MaxAge = max_age_ns;
    cfg.Storage = js_FileStorage;
    if (flag != nullptr) cfg.*flag = true;
    return AddStream(cfg);
  }
  jsErrCode AddStream(jsStreamConfig& cfg) {
    jsStreamInfo* si = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    const natsStatus s = js_AddStream(&si, js_.get(), &cfg, nullptr, &err);
    if (s == NATS_OK) jsStreamInfo_Destroy(si);
    return s == NATS_OK ? static_cast<jsErrCode>(0) : (err != 0 ? err : static_cast<jsErrCode>(-1));
  }

  // Publishes and waits for the ack; returns the stream sequence (0 on failure).
  uint64_t Publish(const char* subject, const std::string& data, const char* msg_id = nullptr,
                   bool* duplicate = nullptr) {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = msg_id;
    jsPubAck* ack = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    const natsStatus s =
        js_Publish(&ack, js_.get(), subject, data.data(), static_cast<int>(data.size()), &po, &err);
    if (s != NATS_OK) {
      ADD_FAILURE() << "publish " << subject << ": " << natsStatus_GetText(s) << " " << err;
      return 0;
    }
    const uint64_t seq = ack->Sequence;
    if (duplicate != nullptr) *duplicate = ack->Duplicate;
    jsPubAck_Destroy(ack);
    return seq;
  }

  Sub PullSubscribe(const char* subject, const char* durable, int64_t ack_wait_ms = 0,
                    int64_t max_deliver = 0) {
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Config.AckWait = ack_wait_ms * kMsToNs;
    so.Config.MaxDeliver = max_deliver;
    natsSubscription* sub = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    const natsStatus s = js_PullSubscribe(&sub, js_.get(), subject, durable, nullptr, &so, &err);
    EXPECT_EQ(s, NATS_OK) << natsStatus_GetText(s) << " " << err << " "
                          << nats_GetLastError(nullptr);
    return Sub(sub);
  }

  // Fetches up to `batch`; returns the payloads, acting on each message with `act`.
  std::vector<std::string> Fetch(natsSubscription* sub, int batch, int64_t timeout_ms,
                                 natsStatus (*act)(natsMsg*, jsOptions*) = natsMsg_Ack) {
    natsMsgList list{};
    jsErrCode err = static_cast<jsErrCode>(0);
    std::vector<std::string> out;
    if (natsSubscription_Fetch(&list, sub, batch, timeout_ms, &err) != NATS_OK) return out;
    for (int i = 0; i < list.Count; ++i) {
      out.emplace_back(natsMsg_GetData(list.Msgs[i]), natsMsg_GetDataLength(list.Msgs[i]));
      if (act != nullptr) EXPECT_EQ(act(list.Msgs[i], nullptr), NATS_OK);
    }
    natsMsgList_Destroy(&list);
    return out;
  }

  jsStreamState StreamState(const char* name) {
    jsStreamInfo* si = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    EXPECT_EQ(js_GetStreamInfo(&si, js_.get(), name, nullptr, &err), NATS_OK) << err;
    jsStreamState state{};
    if (si != nullptr) {
      state = si->State;
      jsStreamInfo_Destroy(si);
    }
    return state;
  }

  jsConsumerInfo* ConsumerInfo(const char* stream, const char* name) {
    jsConsumerInfo* ci = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    EXPECT_EQ(js_GetConsumerInfo(&ci, js_.get(), stream, name, nullptr, &err), NATS_OK) << err;
    return ci;
  }

  static AioProcess* aio_;
  Conn nc_;
  Js js_;
};
AioProcess* JetStreamTest::aio_ = nullptr;

TEST_F(JetStreamTest, InfoAdvertisesJetStream) {
  RawClient raw(aio_->mq_port());
  EXPECT_THAT(raw.ReadUntil("\r\n"), HasSubstr("\"jetstream\":true"));
  jsAccountInfo* info = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  ASSERT_EQ(js_GetAccountInfo(&info, js_.get(), nullptr, &err), NATS_OK);
  EXPECT_EQ(info->Limits.MaxStreams, -1);
  jsAccountInfo_Destroy(info);
}

TEST_F(JetStreamTest, PublishWithAcksAndFetchInOrder) {
  ASSERT_EQ(AddStream("ORDERS", {"orders.*"}), 0);
  for (int i = 1; i <= 20; ++i) {
    ASSERT_EQ(Publish("orders.new", "order-" + std::to_string(i)), static_cast<uint64_t>(i));
  }
  const jsStreamState state = StreamState("ORDERS");
  EXPECT_EQ(state.Msgs, 20u);
  EXPECT_EQ(state.FirstSeq, 1u);
  EXPECT_EQ(state.LastSeq, 20u);

  Sub sub = PullSubscribe("orders.*", "worker");
  std::vector<std::string> got = Fetch(sub.get(), 8, 2000);
  ASSERT_EQ(got.size(), 8u);
  EXPECT_EQ(got.front(), "order-1");
  EXPECT_EQ(got.back(), "order-8");
  got = Fetch(sub.get(), 100, 1000);
  ASSERT_EQ(got.size(), 12u);
  EXPECT_EQ(got.back(), "order-20");

  jsConsumerInfo* ci = ConsumerInfo("ORDERS", "worker");
  ASSERT_NE(ci, nullptr);
  for (int i = 0; i < 50 && ci->AckFloor.Stream != 20u; ++i) {  // acks are asynchronous
    jsConsumerInfo_Destroy(ci);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ci = ConsumerInfo("ORDERS", "worker");
  }
  EXPECT_EQ(ci->AckFloor.Stream, 20u);
  EXPECT_EQ(ci->NumAckPending, 0);
  EXPECT_EQ(ci->NumPending, 0u);
  jsConsumerInfo_Destroy(ci);
  // Nothing left: the fetch times out empty.
  EXPECT_TRUE(Fetch(sub.get(), 1, 300).empty());
  EXPECT_EQ(js_DeleteStream(js_.get(), "ORDERS", nullptr, nullptr), NATS_OK);
}

TEST_F(JetStreamTest, MetadataRedeliveryAfterAckWaitAndNak) {
  ASSERT_EQ(AddStream("REDO", {"redo"}), 0);
  Publish("redo", "job");
  Sub sub = PullSubscribe("redo", "slow", /*ack_wait_ms=*/500);
  natsMsgList list{};
  ASSERT_EQ(natsSubscription_Fetch(&list, sub.get(), 1, 2000, nullptr), NATS_OK);
  ASSERT_EQ(list.Count, 1);
  jsMsgMetaData* meta = nullptr;
  ASSERT_EQ(natsMsg_GetMetaData(&meta, list.Msgs[0]), NATS_OK);
  EXPECT_EQ(meta->NumDelivered, 1u);
  EXPECT_EQ(meta->Sequence.Stream, 1u);
  EXPECT_STREQ(meta->Stream, "REDO");
  EXPECT_STREQ(meta->Consumer, "slow");
  jsMsgMetaData_Destroy(meta);
  natsMsgList_Destroy(&list);  // not acked

  // Redelivered once ack_wait has passed.
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(natsSubscription_Fetch(&list, sub.get(), 1, 3000, nullptr), NATS_OK);
  ASSERT_EQ(list.Count, 1);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  ASSERT_EQ(natsMsg_GetMetaData(&meta, list.Msgs[0]), NATS_OK);
  EXPECT_EQ(meta->NumDelivered, 2u);
  jsMsgMetaData_Destroy(meta);
  // NAK: back at once, third delivery.
  ASSERT_EQ(natsMsg_Nak(list.Msgs[0], nullptr), NATS_OK);
  natsMsgList_Destroy(&list);
  ASSERT_EQ(natsSubscription_Fetch(&list, sub.get(), 1, 2000, nullptr), NATS_OK);
  ASSERT_EQ(list.Count, 1);
  ASSERT_EQ(natsMsg_GetMetaData(&meta, list.Msgs[0]), NATS_OK);
  EXPECT_EQ(meta->NumDelivered, 3u);
  jsMsgMetaData_Destroy(meta);
  jsErrCode err = static_cast<jsErrCode>(0);
  EXPECT_EQ(natsMsg_AckSync(list.Msgs[0], nullptr, &err), NATS_OK);
  natsMsgList_Destroy(&list);
  jsConsumerInfo* ci = ConsumerInfo("REDO", "slow");
  EXPECT_EQ(ci->NumAckPending, 0);
  EXPECT_EQ(ci->AckFloor.Stream, 1u);
  jsConsumerInfo_Destroy(ci);
}

TEST_F(JetStreamTest, DuplicatesAreDetectedByMsgId) {
  ASSERT_EQ(AddStream("DEDUPE", {"dedupe"}), 0);
  bool duplicate = true;
  EXPECT_EQ(Publish("dedupe", "a", "id-1", &duplicate), 1u);
  EXPECT_FALSE(duplicate);
  EXPECT_EQ(Publish("dedupe", "a", "id-1", &duplicate), 1u);
  EXPECT_TRUE(duplicate);
  EXPECT_EQ(Publish("dedupe", "b", "id-2", &duplicate), 2u);
  EXPECT_EQ(StreamState("DEDUPE").Msgs, 2u);
}

TEST_F(JetStreamTest, WorkQueueRemovesAcknowledgedMessages) {
  ASSERT_EQ(AddStream("JOBS", {"jobs.>"}, js_WorkQueuePolicy), 0);
  for (int i = 0; i < 5; ++i) Publish("jobs.email", "job");
  Sub sub = PullSubscribe("jobs.>", "workers");
  jsErrCode err = static_cast<jsErrCode>(0);
  natsMsgList list{};
  ASSERT_EQ(natsSubscription_Fetch(&list, sub.get(), 3, 2000, &err), NATS_OK);
  ASSERT_EQ(list.Count, 3);
  for (int i = 0; i < list.Count; ++i) {
    ASSERT_EQ(natsMsg_AckSync(list.Msgs[i], nullptr, &err), NATS_OK);
  }
  natsMsgList_Destroy(&list);
  const jsStreamState state = StreamState("JOBS");
  EXPECT_EQ(state.Msgs, 2u);
  EXPECT_EQ(state.FirstSeq, 4u);
  // The subscription's consumer filters on jobs.>: a second consumer overlapping it on a work
  // queue is refused with nats-server's code.
  jsConsumerConfig cc;
  jsConsumerConfig_Init(&cc);
  cc.Durable = "other";
  cc.AckPolicy = js_AckExplicit;
  jsConsumerInfo* ci = nullptr;
  EXPECT_NE(js_AddConsumer(&ci, js_.get(), "JOBS", &cc, nullptr, &err), NATS_OK);
  EXPECT_EQ(err, 10100);
}

TEST_F(JetStreamTest, PushConsumerDeliversToSubscription) {
  ASSERT_EQ(AddStream("PUSH", {"push.*"}), 0);
  Publish("push.a", "one");
  jsSubOptions so;
  jsSubOptions_Init(&so);
  natsSubscription* raw = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  ASSERT_EQ(js_SubscribeSync(&raw, js_.get(), "push.*", nullptr, &so, &err), NATS_OK) << err;
  Sub sub(raw);
  Publish("push.b", "two");
  for (const char* want : {"one", "two"}) {
    natsMsg* msg = nullptr;
    ASSERT_EQ(natsSubscription_NextMsg(&msg, sub.get(), 2000), NATS_OK) << want;
    EXPECT_EQ(std::string(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)), want);
    EXPECT_THAT(natsMsg_GetSubject(msg), ::testing::StartsWith("push."));
    EXPECT_EQ(natsMsg_Ack(msg, nullptr), NATS_OK);
    natsMsg_Destroy(msg);
  }
}

TEST_F(JetStreamTest, InvalidStreamConfigsGetJetStreamErrors) {
  ASSERT_EQ(AddStream("TAKEN", {"taken.>"}), 0);
  EXPECT_EQ(AddStream("OVERLAP", {"taken.x"}), 10065);  // subjects overlap
  EXPECT_EQ(AddStream("TAKEN", {"different"}), 10058);  // name in use
  EXPECT_EQ(AddStream("API", {"$JS.API.>"}), 10052);    // invalid config
  jsStreamInfo* si = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  EXPECT_EQ(js_GetStreamInfo(&si, js_.get(), "MISSING", nullptr, &err), NATS_NOT_FOUND);
  EXPECT_EQ(err, 10059);
  EXPECT_EQ(StreamState("TAKEN").Msgs, 0u);
}

TEST_F(JetStreamTest, StateSurvivesKill9AndRestart) {
  ASSERT_EQ(AddStream("DURABLE", {"durable.>"}), 0);
  for (int i = 1; i <= 10; ++i) Publish("durable.x", "m" + std::to_string(i));
  {
    Sub sub = PullSubscribe("durable.>", "reader");
    natsMsgList list{};
    jsErrCode err = static_cast<jsErrCode>(0);
    ASSERT_EQ(natsSubscription_Fetch(&list, sub.get(), 4, 2000, &err), NATS_OK);
    ASSERT_EQ(list.Count, 4);
    for (int i = 0; i < list.Count; ++i) {
      ASSERT_EQ(natsMsg_AckSync(list.Msgs[i], nullptr, &err), NATS_OK);
    }
    natsMsgList_Destroy(&list);
  }
  js_.reset();
  nc_.reset();
  aio_->Kill();
  aio_->Start();
  Reconnect();
  const jsStreamState state = StreamState("DURABLE");
  EXPECT_EQ(state.Msgs, 10u);
  EXPECT_EQ(state.LastSeq, 10u);
  jsConsumerInfo* ci = ConsumerInfo("DURABLE", "reader");
  ASSERT_NE(ci, nullptr);
  EXPECT_EQ(ci->AckFloor.Stream, 4u);
  EXPECT_EQ(ci->NumPending, 6u);
  jsConsumerInfo_Destroy(ci);
  // The consumer resumes where it was; new publishes continue the sequence.
  EXPECT_EQ(Publish("durable.x", "m11"), 11u);
  Sub sub = PullSubscribe("durable.>", "reader");
  const std::vector<std::string> rest = Fetch(sub.get(), 100, 1500);
  ASSERT_EQ(rest.size(), 7u);
  EXPECT_EQ(rest.front(), "m5");
  EXPECT_EQ(rest.back(), "m11");
  // And the HTTP API shows the stream and the consumer's lag.
  EXPECT_THAT(aio_->HttpGet("/api/mq/streams/DURABLE"), HasSubstr("\"last_seq\":11"));
  EXPECT_THAT(aio_->HttpGet("/api/mq/streams/DURABLE/consumers"), HasSubstr("\"name\":\"reader\""));
}

TEST_F(JetStreamTest, RollupHeaderReplacesEarlierMessages) {
  ASSERT_EQ(AddStream("ROLL", {"kv.>"}, js_LimitsPolicy, 0, &jsStreamConfig::AllowRollup), 0);
  ASSERT_EQ(AddStream("NOROLL", {"noroll"}), 0);
  auto publish = [&](const char* subject, const char* data, const char* rollup) {
    natsMsg* msg = nullptr;
    EXPECT_EQ(natsMsg_Create(&msg, subject, nullptr, data, static_cast<int>(strlen(data))),
              NATS_OK);
    if (rollup != nullptr) natsMsgHeader_Set(msg, "Nats-Rollup", rollup);
    jsPubAck* ack = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    const natsStatus s = js_PublishMsg(&ack, js_.get(), msg, nullptr, &err);
    natsMsg_Destroy(msg);
    if (s == NATS_OK) jsPubAck_Destroy(ack);
    return s == NATS_OK ? static_cast<jsErrCode>(0) : err;
  };
  for (const char* v : {"a1", "a2", "a3"}) publish("kv.a", v, nullptr);
  publish("kv.b", "b1", nullptr);
  EXPECT_EQ(publish("kv.a", "a4", "sub"), 0);
  EXPECT_EQ(StreamState("ROLL").Msgs, 2u);  // b1, a4
  natsMsg* last = nullptr;
  ASSERT_EQ(js_GetLastMsg(&last, js_.get(), "ROLL", "kv.a", nullptr, nullptr), NATS_OK);
  EXPECT_EQ(std::string(natsMsg_GetData(last), natsMsg_GetDataLength(last)), "a4");
  natsMsg_Destroy(last);
  EXPECT_EQ(publish("kv.c", "c1", "all"), 0);
  jsStreamState state = StreamState("ROLL");
  EXPECT_EQ(state.Msgs, 1u);
  EXPECT_EQ(state.FirstSeq, 6u);
  // Refused without allow_rollup_hdrs, and for an unknown value: nothing stored.
  EXPECT_EQ(publish("noroll", "x", "sub"), 10111);
  EXPECT_EQ(publish("kv.c", "c2", "everything"), 10111);
  EXPECT_EQ(StreamState("NOROLL").Msgs, 0u);
  EXPECT_EQ(StreamState("ROLL").Msgs, 1u);
}

TEST_F(JetStreamTest, DirectGetAnswersTheRawMessage) {
  ASSERT_EQ(AddStream("DIRECT", {"direct.>"}, js_LimitsPolicy, 0, &jsStreamConfig::AllowDirect), 0);
  Publish("direct.a", "one");
  Publish("direct.b", "two");
  Publish("direct.a", "three");
  auto direct = [&](uint64_t seq, const char* last_by, const char* next_by, std::string* data) {
    jsDirectGetMsgOptions o;
    jsDirectGetMsgOptions_Init(&o);
    o.Sequence = seq;
    o.LastBySubject = last_by;
    o.NextBySubject = next_by;
    natsMsg* msg = nullptr;
    const natsStatus s = js_DirectGetMsg(&msg, js_.get(), "DIRECT", nullptr, &o);
    if (s != NATS_OK) return s;
    *data = std::string(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    EXPECT_STREQ(natsMsg_GetSubject(msg), *data == "two" ? "direct.b" : "direct.a");
    EXPECT_GT(natsMsg_GetTime(msg), 0);  // parsed from Nats-Time-Stamp
    const char* stream = nullptr;
    EXPECT_EQ(natsMsgHeader_Get(msg, "Nats-Stream", &stream), NATS_OK);
    EXPECT_STREQ(stream, "DIRECT");
    seq = natsMsg_GetSequence(msg);
    natsMsg_Destroy(msg);
    return seq == 0 ? NATS_ERR : NATS_OK;
  };
  std::string data;
  ASSERT_EQ(direct(2, nullptr, nullptr, &data), NATS_OK);
  EXPECT_EQ(data, "two");
  ASSERT_EQ(direct(0, "direct.a", nullptr, &data), NATS_OK);
  EXPECT_EQ(data, "three");
  ASSERT_EQ(direct(2, nullptr, "direct.a", &data), NATS_OK);
  EXPECT_EQ(data, "three");
  EXPECT_EQ(direct(99, nullptr, nullptr, &data), NATS_NOT_FOUND);
  // The raw subject form, answered like nats-server's: headers, then the data.
  natsMsg* reply = nullptr;
  ASSERT_EQ(natsConnection_Request(&reply, nc_.get(), "$JS.API.DIRECT.GET.DIRECT.direct.b", nullptr,
                                   0, 2000),
            NATS_OK);
  const char* seq = nullptr;
  EXPECT_EQ(natsMsgHeader_Get(reply, "Nats-Sequence", &seq), NATS_OK);
  EXPECT_STREQ(seq, "2");
  natsMsg_Destroy(reply);
  // A stream without allow_direct has no responder.
  ASSERT_EQ(AddStream("NODIRECT", {"nodirect"}), 0);
  natsMsg* none = nullptr;
  EXPECT_EQ(natsConnection_RequestString(&none, nc_.get(), "$JS.API.DIRECT.GET.NODIRECT",
                                         "{\"seq\":1}", 2000),
            NATS_NO_RESPONDERS);
}

TEST_F(JetStreamTest, PushConsumerSendsIdleHeartbeats) {
  ASSERT_EQ(AddStream("HB", {"hb.x"}), 0);
  Publish("hb.x", "only");
  natsSubscription* raw = nullptr;
  ASSERT_EQ(natsConnection_SubscribeSync(&raw, nc_.get(), "hb.inbox"), NATS_OK);
  Sub sub(raw);
  jsConsumerConfig cc;
  jsConsumerConfig_Init(&cc);
  cc.Durable = "beating";
  cc.DeliverSubject = "hb.inbox";
  cc.AckPolicy = js_AckNone;
  cc.Heartbeat = 200 * kMsToNs;
  jsConsumerInfo* ci = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  ASSERT_EQ(js_AddConsumer(&ci, js_.get(), "HB", &cc, nullptr, &err), NATS_OK) << err;
  jsConsumerInfo_Destroy(ci);
  natsMsg* msg = nullptr;
  ASSERT_EQ(natsSubscription_NextMsg(&msg, sub.get(), 2000), NATS_OK);
  EXPECT_EQ(std::string(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)), "only");
  natsMsg_Destroy(msg);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(natsSubscription_NextMsg(&msg, sub.get(), 2000), NATS_OK);
    const char* status = nullptr;
    const char* description = nullptr;
    const char* last_consumer = nullptr;
    const char* last_stream = nullptr;
    EXPECT_EQ(natsMsgHeader_Get(msg, "Status", &status), NATS_OK);
    EXPECT_STREQ(status, "100");
    EXPECT_EQ(natsMsgHeader_Get(msg, "Description", &description), NATS_OK);
    EXPECT_STREQ(description, "Idle Heartbeat");
    EXPECT_EQ(natsMsgHeader_Get(msg, "Nats-Last-Consumer", &last_consumer), NATS_OK);
    EXPECT_STREQ(last_consumer, "1");
    EXPECT_EQ(natsMsgHeader_Get(msg, "Nats-Last-Stream", &last_stream), NATS_OK);
    EXPECT_STREQ(last_stream, "1");
    natsMsg_Destroy(msg);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));
  EXPECT_LE(elapsed, std::chrono::milliseconds(1500));
}

// nats.c's ordered consumer: an ephemeral push consumer with flow control and heartbeats in
// memory; 4 MiB of messages cross the flow control window, which nats.c must answer to go on.
TEST_F(JetStreamTest, OrderedConsumerReceivesEverythingThroughFlowControl) {
  ASSERT_EQ(AddStream("ORDERED", {"ordered"}), 0);
  constexpr int kMsgs = 40;
  const std::string payload(100 << 10, 'o');
  for (int i = 0; i < kMsgs; ++i) Publish("ordered", payload + std::to_string(i));
  struct Seen {
    std::atomic<int> count{0};
    std::atomic<bool> in_order{true};
  } seen;
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Ordered = true;
  natsSubscription* raw = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  ASSERT_EQ(js_Subscribe(
                &raw, js_.get(), "ordered",
                [](natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
                  auto* s = static_cast<Seen*>(closure);
                  const int n = s->count.fetch_add(1);
                  if (natsMsg_GetDataLength(msg) < 100 << 10 ||
                      std::string(natsMsg_GetData(msg) + (100 << 10)) != std::to_string(n)) {
                    s->in_order = false;
                  }
                  natsMsg_Destroy(msg);
                },
                &seen, nullptr, &so, &err),
            NATS_OK)
      << err << " " << nats_GetLastError(nullptr);
  Sub sub(raw);
  for (int i = 0; i < 250 && seen.count < kMsgs; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(seen.count, kMsgs);
  EXPECT_TRUE(seen.in_order);
}

// nats.c's fetch with a heartbeat reports NATS_MISSED_HEARTBEAT when the server sends none.
TEST_F(JetStreamTest, FetchWithHeartbeatWaitsForItsExpiry) {
  ASSERT_EQ(AddStream("PULLHB", {"pullhb"}), 0);
  Sub sub = PullSubscribe("pullhb", "waiter");
  jsFetchRequest req;
  jsFetchRequest_Init(&req);
  req.Batch = 1;
  req.Expires = 1000 * kMsToNs;
  req.Heartbeat = 200 * kMsToNs;
  natsMsgList list{};
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(natsSubscription_FetchRequest(&list, sub.get(), &req), NATS_TIMEOUT);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  Publish("pullhb", "late");
  ASSERT_EQ(natsSubscription_FetchRequest(&list, sub.get(), &req), NATS_OK);
  ASSERT_EQ(list.Count, 1);
  EXPECT_EQ(std::string(natsMsg_GetData(list.Msgs[0])), "late");
  natsMsgList_Destroy(&list);
}

TEST_F(JetStreamTest, MirrorsAndSourcesAreRefused) {
  ASSERT_EQ(AddStream("ORIGIN", {"origin"}), 0);
  jsStreamSource source;
  jsStreamSource_Init(&source);
  source.Name = "ORIGIN";
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = "COPY";
  cfg.Mirror = &source;
  EXPECT_EQ(AddStream(cfg), 10052);
  EXPECT_THAT(nats_GetLastError(nullptr), HasSubstr("mirror not supported"));
  jsStreamSource* sources[] = {&source};
  cfg.Mirror = nullptr;
  cfg.Sources = sources;
  cfg.SourcesLen = 1;
  EXPECT_EQ(AddStream(cfg), 10052);
  jsStreamInfo* si = nullptr;
  EXPECT_EQ(js_GetStreamInfo(&si, js_.get(), "COPY", nullptr, nullptr), NATS_NOT_FOUND);
}

}  // namespace
}  // namespace aio::systest
