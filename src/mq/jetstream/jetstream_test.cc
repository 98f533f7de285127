// The JetStream engine on a ManualClock and a temp store: API responses, retention, limits,
// dedupe, consumer ack/redelivery state machine, and state kept across reopen.
#include "mq/jetstream/jetstream.h"

#include <filesystem>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::mq::jetstream {
namespace {

using Json = nlohmann::json;
using ::testing::SizeIs;

constexpr int64_t kSecondNs = 1'000'000'000;

class JetStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio_js_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    js_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    js_.reset();
    auto js = JetStream::Open(
        {.store_dir = dir_.string(), .clock = &clock_, .has_interest = [this](std::string_view s) {
           return !gone_.contains(std::string(s));
         }});
    ASSERT_TRUE(js.ok()) << js.status();
    js_ = std::move(*js);
  }

  // One API request; returns the JSON answer sent to the reply subject.
  Json Api(const std::string& subject, const Json& body = nullptr) {
    Outbox out;
    js_->HandleApi("$JS.API." + subject, "reply", body.is_null() ? "" : body.dump(), &out);
    for (const Outgoing& o : out) {
      if (o.subject == "reply") return Json::parse(o.payload);
    }
    return nullptr;
  }
  Json Publish(const std::string& subject, const std::string& data,
               const std::string& headers = "") {
    Outbox out;
    std::vector<CapturedMsg> msgs{
        {.subject = subject, .reply = "ack", .headers = headers, .payload = data}};
    js_->HandlePublishes(msgs, &out);
    for (const Outgoing& o : out) {
      if (o.subject == "ack") return Json::parse(o.payload);
    }
    return nullptr;
  }
  // A pull request; returns what was sent to its inbox.
  Outbox Pull(const std::string& stream, const std::string& consumer, const Json& body,
              const std::string& inbox = "inbox") {
    Outbox out;
    js_->HandleApi("$JS.API.CONSUMER.MSG.NEXT." + stream + "." + consumer, inbox, body.dump(),
                   &out);
    return out;
  }
  Outbox Ack(const Outgoing& delivery, const std::string& payload = "+ACK") {
    Outbox out;
    js_->HandleAck(delivery.reply, "", payload, &out);
    return out;
  }
  Outbox Tick(int64_t advance_ms) {
    clock_.AdvanceMs(advance_ms);
    Outbox out;
    js_->Tick(&out);
    return out;
  }
  Json State(const std::string& stream) { return Api("STREAM.INFO." + stream)["state"]; }
  Json ConsumerInfo(const std::string& stream, const std::string& name) {
    return Api("CONSUMER.INFO." + stream + "." + name);
  }
  void CreatePull(const std::string& stream, const std::string& name, Json extra = Json::object()) {
    Json config = {{"durable_name", name}, {"ack_policy", "explicit"}};
    config.update(extra);
    Json info = Api("CONSUMER.CREATE." + stream + "." + name,
                    {{"stream_name", stream}, {"config", config}});
    ASSERT_FALSE(info.contains("error")) << info.dump();
  }

  // Expects `out` to be one idle heartbeat to `to` reporting these last sequences.
  void ExpectHeartbeat(const Outbox& out, const std::string& to, uint64_t consumer_seq,
                       uint64_t stream_seq) {
    ASSERT_THAT(out, SizeIs(1));
    EXPECT_EQ(out[0].subject, to);
    EXPECT_EQ(out[0].headers, fmt::format("NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: "
                                          "{}\r\nNats-Last-Stream: {}\r\n\r\n",
                                          consumer_seq, stream_seq));
  }
  // The error of creating a consumer on `stream` with `config` (null when created).
  Json ConsumerCreateError(const std::string& stream, const Json& config) {
    return Api("CONSUMER.CREATE." + stream, {{"stream_name", stream}, {"config", config}})["error"];
  }

  std::filesystem::path dir_;
  base::ManualClock clock_;
  std::set<std::string> gone_;  // subjects without interest
  std::unique_ptr<JetStream> js_;
};

TEST_F(JetStreamTest, CreatePublishAndInfo) {
  Json created = Api("STREAM.CREATE.ORDERS", {{"name", "ORDERS"}, {"subjects", {"orders.*"}}});
  EXPECT_EQ(created["type"], "io.nats.jetstream.api.v1.stream_create_response");
  EXPECT_EQ(created["did_create"], true);
  EXPECT_EQ(created["config"]["subjects"], Json({"orders.*"}));
  EXPECT_EQ(Publish("orders.new", "one"), Json({{"stream", "ORDERS"}, {"seq", 1}}));
  EXPECT_EQ(Publish("orders.new", "two"), Json({{"stream", "ORDERS"}, {"seq", 2}}));
  const Json state = State("ORDERS");
  EXPECT_EQ(state["messages"], 2);
  EXPECT_EQ(state["first_seq"], 1);
  EXPECT_EQ(state["last_seq"], 2);
  EXPECT_EQ(state["bytes"], 2 * (10 + 3 + 16));
  Json got = Api("STREAM.MSG.GET.ORDERS", {{"seq", 2}});
  EXPECT_EQ(got["message"]["data"], "dHdv");  // base64("two")
  EXPECT_EQ(got["message"]["subject"], "orders.new");
  EXPECT_EQ(Api("STREAM.NAMES", {{"subject", "orders.x"}})["streams"], Json({"ORDERS"}));
  EXPECT_TRUE(Api("STREAM.NAMES", {{"subject", "other"}})["streams"].is_null());
  EXPECT_EQ(Api("INFO")["streams"], 1);
}

TEST_F(JetStreamTest, ErrorsUseJetStreamCodes) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s.>"}}});
  auto code = [](const Json& j) { return j["error"]["err_code"].get<int>(); };
  EXPECT_EQ(code(Api("STREAM.INFO.NOPE")), 10059);
  EXPECT_EQ(Api("STREAM.INFO.NOPE")["error"]["description"], "stream not found");
  EXPECT_EQ(code(Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"other"}}})), 10058);
  EXPECT_EQ(code(Api("STREAM.CREATE.T", {{"name", "T"}, {"subjects", {"s.x"}}})), 10065);
  EXPECT_EQ(code(Api("STREAM.CREATE.T", {{"name", "X"}})), 10056);
  EXPECT_EQ(code(Api("CONSUMER.INFO.S.nope")), 10014);
  EXPECT_EQ(code(Api("STREAM.CREATE.T", {{"name", "T"}, {"max_msgs", "ten"}})), 10025);
  Outbox out;
  js_->HandleApi("$JS.API.STREAM.CREATE.T", "reply", "{not json", &out);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(Json::parse(out[0].payload)["error"]["code"], 400);
  // Nothing was stored by the failures.
  EXPECT_EQ(Api("INFO")["streams"], 1);
  EXPECT_EQ(Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s.>"}}})["config"]["name"], "S");
}

TEST_F(JetStreamTest, LimitsDiscardOldAndNew) {
  Api("STREAM.CREATE.OLD", {{"name", "OLD"}, {"subjects", {"old"}}, {"max_msgs", 3}});
  for (int i = 0; i < 5; ++i) Publish("old", "x");
  EXPECT_EQ(State("OLD")["messages"], 3);
  EXPECT_EQ(State("OLD")["first_seq"], 3);
  Api("STREAM.CREATE.NEW",
      {{"name", "NEW"}, {"subjects", {"new"}}, {"max_msgs", 2}, {"discard", "new"}});
  Publish("new", "a");
  Publish("new", "b");
  Json rejected = Publish("new", "c");
  EXPECT_EQ(rejected["error"]["err_code"], 10077);
  EXPECT_EQ(rejected["error"]["description"], "maximum messages exceeded");
  EXPECT_EQ(State("NEW")["last_seq"], 2);
  Api("STREAM.CREATE.SUBJ", {{"name", "SUBJ"}, {"subjects", {"k.*"}}, {"max_msgs_per_subject", 1}});
  Publish("k.a", "1");
  Publish("k.b", "1");
  Publish("k.a", "2");
  EXPECT_EQ(State("SUBJ")["messages"], 2);
  EXPECT_EQ(Api("STREAM.MSG.GET.SUBJ", {{"last_by_subj", "k.a"}})["message"]["seq"], 3);
  Api("STREAM.CREATE.SIZE", {{"name", "SIZE"}, {"subjects", {"size"}}, {"max_msg_size", 4}});
  EXPECT_EQ(Publish("size", "12345")["error"]["err_code"], 10054);
}

TEST_F(JetStreamTest, MaxAgeExpiresOnTheClock) {
  Api("STREAM.CREATE.AGE", {{"name", "AGE"}, {"subjects", {"age"}}, {"max_age", 10 * kSecondNs}});
  Publish("age", "old");
  Tick(6'000);
  Publish("age", "young");
  Tick(5'000);
  EXPECT_EQ(State("AGE")["messages"], 1);
  EXPECT_EQ(State("AGE")["first_seq"], 2);
}

TEST_F(JetStreamTest, DuplicateWindow) {
  Api("STREAM.CREATE.D",
      {{"name", "D"}, {"subjects", {"d"}}, {"duplicate_window", 60 * kSecondNs}});
  const std::string headers = "NATS/1.0\r\nNats-Msg-Id: abc\r\n\r\n";
  EXPECT_EQ(Publish("d", "x", headers), Json({{"stream", "D"}, {"seq", 1}}));
  EXPECT_EQ(Publish("d", "x", headers), Json({{"stream", "D"}, {"seq", 1}, {"duplicate", true}}));
  EXPECT_EQ(State("D")["messages"], 1);
  Tick(61'000);
  EXPECT_EQ(Publish("d", "x", headers)["seq"], 2);
  EXPECT_EQ(
      Publish("d", "y", "NATS/1.0\r\nNats-Expected-Last-Sequence: 1\r\n\r\n")["error"]["err_code"],
      10071);
}

TEST_F(JetStreamTest, PullFetchAckAndAckFloor) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s.*"}}});
  for (int i = 1; i <= 3; ++i) Publish("s.x", "m" + std::to_string(i));
  CreatePull("S", "d");
  Outbox got = Pull("S", "d", {{"batch", 2}});
  ASSERT_THAT(got, SizeIs(2));
  EXPECT_EQ(got[0].route, "inbox");
  EXPECT_EQ(got[0].subject, "s.x");
  EXPECT_EQ(got[0].payload, "m1");
  EXPECT_THAT(got[0].reply, ::testing::StartsWith("$JS.ACK.S.d.1.1.1."));
  EXPECT_THAT(got[0].reply, ::testing::EndsWith(".2"));  // two left after it
  Ack(got[1]);
  Json info = ConsumerInfo("S", "d");
  EXPECT_EQ(info["num_ack_pending"], 1);
  EXPECT_EQ(info["ack_floor"]["stream_seq"], 0);
  EXPECT_EQ(info["num_pending"], 1);
  Ack(got[0]);
  info = ConsumerInfo("S", "d");
  EXPECT_EQ(info["ack_floor"]["stream_seq"], 2);
  EXPECT_EQ(info["ack_floor"]["consumer_seq"], 2);
  EXPECT_EQ(info["delivered"]["stream_seq"], 2);
}

TEST_F(JetStreamTest, RedeliveryAfterAckWaitNakTermAndMaxDeliver) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s"}}});
  Publish("s", "a");
  CreatePull("S", "d", {{"ack_wait", 2 * kSecondNs}, {"max_deliver", 3}});
  Outbox first = Pull("S", "d", {{"batch", 1}});
  ASSERT_THAT(first, SizeIs(1));
  // Not acked: due again after ack_wait, to a waiting request.
  Pull("S", "d", {{"batch", 1}, {"expires", 60 * kSecondNs}}, "inbox2");
  EXPECT_THAT(Tick(1'000), SizeIs(0));
  Outbox second = Tick(1'500);
  ASSERT_THAT(second, SizeIs(1));
  EXPECT_THAT(second[0].reply, ::testing::StartsWith("$JS.ACK.S.d.2.1.2."));
  EXPECT_EQ(ConsumerInfo("S", "d")["num_redelivered"], 1);
  // -NAK with a delay: redelivered once the delay has passed.
  Ack(second[0], "-NAK {\"delay\":1000000000}");
  Outbox third = Pull("S", "d", {{"batch", 1}, {"expires", 60 * kSecondNs}}, "inbox3");
  EXPECT_THAT(third, SizeIs(0));
  third = Tick(1'000);
  ASSERT_THAT(third, SizeIs(1));
  EXPECT_THAT(third[0].reply, ::testing::StartsWith("$JS.ACK.S.d.3.1.3."));
  // Third delivery was the last: a NAK now drops it with an advisory.
  Ack(third[0], "-NAK");
  Outbox last = Pull("S", "d", {{"batch", 1}, {"no_wait", true}}, "inbox4");
  ASSERT_THAT(last, SizeIs(2));
  EXPECT_EQ(last[0].subject, "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.d");
  EXPECT_EQ(last[1].headers, "NATS/1.0 404 No Messages\r\n\r\n");
  EXPECT_EQ(ConsumerInfo("S", "d")["num_ack_pending"], 0);

  // +WPI pushes the deadline out; +TERM ends it for good.
  Publish("s", "b");
  Outbox b = Pull("S", "d", {{"batch", 1}});
  ASSERT_THAT(b, SizeIs(1));
  Tick(1'500);
  Ack(b[0], "+WPI");
  Pull("S", "d", {{"batch", 1}, {"expires", 60 * kSecondNs}}, "inbox5");
  EXPECT_THAT(Tick(1'000), SizeIs(0));  // 2.5 s after delivery, 1 s after +WPI
  Ack(b[0], "+TERM");
  EXPECT_THAT(Tick(5'000), SizeIs(0));
}

TEST_F(JetStreamTest, PullStatusNoWaitAndExpires) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s"}}});
  CreatePull("S", "d");
  Outbox none = Pull("S", "d", {{"batch", 5}, {"no_wait", true}});
  ASSERT_THAT(none, SizeIs(1));
  EXPECT_EQ(none[0].headers, "NATS/1.0 404 No Messages\r\n\r\n");
  EXPECT_THAT(Pull("S", "d", {{"batch", 5}, {"expires", kSecondNs}}), SizeIs(0));
  Outbox expired = Tick(1'001);
  ASSERT_THAT(expired, SizeIs(1));
  EXPECT_EQ(expired[0].headers, "NATS/1.0 408 Request Timeout\r\n\r\n");
  Outbox missing = Pull("S", "nope", {{"batch", 1}});
  ASSERT_THAT(missing, SizeIs(1));
  EXPECT_EQ(missing[0].headers, "NATS/1.0 503\r\n\r\n");
}

TEST_F(JetStreamTest, WorkQueueRemovesOnAck) {
  Api("STREAM.CREATE.WQ", {{"name", "WQ"}, {"subjects", {"jobs.>"}}, {"retention", "workqueue"}});
  Publish("jobs.a", "1");
  Publish("jobs.b", "2");
  CreatePull("WQ", "w");
  Json second =
      Api("CONSUMER.CREATE.WQ.v",
          {{"stream_name", "WQ"}, {"config", {{"durable_name", "v"}, {"ack_policy", "explicit"}}}});
  EXPECT_EQ(second["error"]["err_code"], 10099);
  Json none_ack =
      Api("CONSUMER.CREATE.WQ.n",
          {{"stream_name", "WQ"},
           {"config", {{"durable_name", "n"}, {"ack_policy", "none"}, {"filter_subject", "x.y"}}}});
  EXPECT_EQ(none_ack["error"]["err_code"], 10093);
  Outbox got = Pull("S", "w", {{"batch", 1}});
  got = Pull("WQ", "w", {{"batch", 2}});
  ASSERT_THAT(got, SizeIs(2));
  Ack(got[0]);
  EXPECT_EQ(State("WQ")["messages"], 1);
  EXPECT_EQ(State("WQ")["first_seq"], 2);
}

TEST_F(JetStreamTest, InterestRetentionKeepsOnlyWhatConsumersNeed) {
  Api("STREAM.CREATE.I", {{"name", "I"}, {"subjects", {"i"}}, {"retention", "interest"}});
  Publish("i", "nobody");
  EXPECT_EQ(State("I")["messages"], 0);
  EXPECT_EQ(State("I")["last_seq"], 1);
  CreatePull("I", "a", {{"deliver_policy", "new"}});
  CreatePull("I", "b", {{"deliver_policy", "new"}});
  Publish("i", "both");
  Outbox a = Pull("I", "a", {{"batch", 1}});
  ASSERT_THAT(a, SizeIs(1));
  Ack(a[0]);
  EXPECT_EQ(State("I")["messages"], 1);  // b still needs it
  Outbox b = Pull("I", "b", {{"batch", 1}});
  ASSERT_THAT(b, SizeIs(1));
  Ack(b[0]);
  EXPECT_EQ(State("I")["messages"], 0);
}

TEST_F(JetStreamTest, PushConsumerDeliversWithInterest) {
  Api("STREAM.CREATE.P", {{"name", "P"}, {"subjects", {"p.*"}}});
  Publish("p.1", "a");
  Publish("p.2", "b");
  gone_.insert("deliver.here");
  Json info = Api("CONSUMER.CREATE.P.push", {{"stream_name", "P"},
                                             {"config",
                                              {{"durable_name", "push"},
                                               {"deliver_subject", "deliver.here"},
                                               {"ack_policy", "none"},
                                               {"deliver_policy", "last"}}}});
  ASSERT_FALSE(info.contains("error")) << info.dump();
  EXPECT_THAT(Tick(10), SizeIs(0));
  gone_.clear();
  Outbox got = Tick(10);
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_EQ(got[0].route, "deliver.here");
  EXPECT_EQ(got[0].payload, "b");
  EXPECT_EQ(ConsumerInfo("P", "push")["ack_floor"]["stream_seq"], 2);
}

TEST_F(JetStreamTest, DeliverPolicies) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s.*"}}});
  Publish("s.a", "a1");
  Publish("s.b", "b1");
  Publish("s.a", "a2");
  auto payloads = [&](const std::string& name, Json extra) {
    CreatePull("S", name, extra);
    std::vector<std::string> out;
    for (const Outgoing& o : Pull("S", name, {{"batch", 10}, {"no_wait", true}})) {
      out.push_back(o.payload.empty() ? o.headers.substr(9, 3) : o.payload);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(payloads("all", Json::object()), (V{"a1", "b1", "a2", "404"}));
  EXPECT_EQ(payloads("seq", {{"deliver_policy", "by_start_sequence"}, {"opt_start_seq", 2}}),
            (V{"b1", "a2", "404"}));
  EXPECT_EQ(payloads("lps", {{"deliver_policy", "last_per_subject"}}), (V{"b1", "a2", "404"}));
  EXPECT_EQ(payloads("flt", {{"filter_subject", "s.a"}}), (V{"a1", "a2", "404"}));
  EXPECT_EQ(payloads("new", {{"deliver_policy", "new"}}), (V{"404"}));
}

TEST_F(JetStreamTest, PurgeWithFilterAndKeep) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s.*"}}});
  for (int i = 0; i < 4; ++i) Publish("s.a", "a");
  Publish("s.b", "b");
  EXPECT_EQ(Api("STREAM.PURGE.S", {{"filter", "s.a"}, {"keep", 1}})["purged"], 3);
  EXPECT_EQ(State("S")["messages"], 2);
  EXPECT_EQ(Api("STREAM.PURGE.S")["purged"], 2);
  EXPECT_EQ(State("S")["first_seq"], 6);
  EXPECT_EQ(Publish("s.a", "a")["seq"], 6);
}

// A group commit: a batch is stored with one write, each message acked in order as if published
// one by one (later messages see the earlier ones), and nothing is acked that is not stored.
TEST_F(JetStreamTest, BatchOfPublishesStoredTogetherAndAckedInOrder) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s.*"}}});
  Api("STREAM.CREATE.Q\"X", {{"name", "Q\"X"}, {"subjects", {"q"}}});
  const std::string id = "NATS/1.0\r\nNats-Msg-Id: one\r\n\r\n";
  std::vector<CapturedMsg> msgs{
      {.subject = "s.a", .reply = "r1", .headers = id, .payload = "a"},
      {.subject = "s.b", .reply = "", .payload = "b"},  // no reply: stored, not acked
      {.subject = "s.a", .reply = "r3", .headers = id, .payload = "dup"},
      {.subject = "s.a",
       .reply = "r4",
       .headers = "NATS/1.0\r\nNats-Expected-Last-Sequence: 2\r\n\r\n",
       .payload = "c"},
      {.subject = "s.a",
       .reply = "r5",
       .headers = "NATS/1.0\r\nNats-Expected-Last-Sequence: 2\r\n\r\n",
       .payload = "late"},
      {.subject = "q", .reply = "r6", .payload = "quoted"},
      {.subject = "nobody", .reply = "r7", .payload = "dropped"},
  };
  Outbox out;
  js_->HandlePublishes(msgs, &out);
  std::vector<std::pair<std::string, std::string>> acks;
  for (const Outgoing& o : out) acks.emplace_back(o.subject, o.payload);
  using P = std::pair<std::string, std::string>;
  EXPECT_THAT(acks, testing::ElementsAre(
                        P{"r1", R"({"stream":"S","seq":1})"},
                        P{"r3", R"({"stream":"S","seq":1,"duplicate":true})"},
                        P{"r4", R"({"stream":"S","seq":3})"},
                        P{"r5", R"({"error":{"code":400,"description":"wrong last sequence: 3",)"
                                R"("err_code":10071}})"},
                        P{"r6", R"({"stream":"Q\"X","seq":1})"}));
  EXPECT_EQ(State("S")["messages"], 3);
  Open();  // what was acked was written
  EXPECT_EQ(State("S")["last_seq"], 3);
  EXPECT_EQ(Api("STREAM.MSG.GET.S", {{"seq", 3}})["message"]["data"], "Yw==");  // base64("c")
  EXPECT_EQ(State("Q\"X")["messages"], 1);
}

// File streams hold only their newest messages' headers and data in memory; older ones are read
// back from storage for deliveries and MSG.GET, and the accounting is unchanged.
TEST_F(JetStreamTest, OldMessagesAreReadBackFromStorage) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s"}}});
  const std::string headers = "NATS/1.0\r\nk: v\r\n\r\n";
  std::vector<CapturedMsg> msgs;
  int64_t bytes = 0;
  for (int i = 1; i <= 3000; ++i) {
    msgs.push_back(
        {.subject = "s", .headers = i == 1 ? headers : "", .payload = "m" + std::to_string(i)});
    bytes += static_cast<int64_t>(1 + msgs.back().headers.size() + msgs.back().payload.size() + 16);
  }
  Outbox out;
  js_->HandlePublishes(msgs, &out);
  EXPECT_EQ(State("S")["bytes"], bytes);
  Json got = Api("STREAM.MSG.GET.S", {{"seq", 1}})["message"];
  EXPECT_EQ(got["data"], "bTE=");  // base64("m1")
  EXPECT_EQ(got["hdrs"], "TkFUUy8xLjANCms6IHYNCg0K");
  CreatePull("S", "d");
  Outbox first = Pull("S", "d", {{"batch", 2}});
  ASSERT_THAT(first, SizeIs(2));
  EXPECT_EQ(first[0].headers, headers);
  EXPECT_EQ(first[0].payload, "m1");
  EXPECT_EQ(first[1].payload, "m2");
  Open();
  EXPECT_EQ(State("S")["bytes"], bytes);
  EXPECT_EQ(Api("STREAM.MSG.GET.S", {{"seq", 2}})["message"]["data"], "bTI=");
  EXPECT_EQ(Api("STREAM.MSG.GET.S", {{"seq", 3000}})["message"]["data"], "bTMwMDA=");
  EXPECT_EQ(Api("STREAM.PURGE.S", {{"keep", 1}})["purged"], 2999);
  EXPECT_EQ(State("S")["bytes"], 1 + 5 + 16);
}

TEST_F(JetStreamTest, StateSurvivesReopen) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s"}}});
  for (int i = 1; i <= 3; ++i) Publish("s", "m" + std::to_string(i));
  CreatePull("S", "d");
  Outbox got = Pull("S", "d", {{"batch", 2}});
  ASSERT_THAT(got, SizeIs(2));
  Ack(got[0]);
  Api("STREAM.MSG.DELETE.S", {{"seq", 3}});
  Open();
  const Json state = State("S");
  EXPECT_EQ(state["messages"], 2);
  EXPECT_EQ(state["last_seq"], 3);
  Json info = ConsumerInfo("S", "d");
  EXPECT_EQ(info["ack_floor"]["stream_seq"], 1);
  EXPECT_EQ(info["num_ack_pending"], 1);
  EXPECT_EQ(Publish("s", "m4")["seq"], 4);
  // The unacked message comes back after ack_wait, then the new one.
  Outbox again = Pull("S", "d", {{"batch", 2}, {"expires", 60 * kSecondNs}});
  EXPECT_THAT(again, SizeIs(1));  // m4
  EXPECT_EQ(again[0].payload, "m4");
  Outbox redelivered = Tick(30'001);
  ASSERT_THAT(redelivered, SizeIs(1));
  EXPECT_EQ(redelivered[0].payload, "m2");
}

// ---- rollups, direct get, heartbeats, flow control, refused configs ----

TEST_F(JetStreamTest, RollupReplacesSubjectOrStream) {
  Api("STREAM.CREATE.KV", {{"name", "KV"}, {"subjects", {"kv.>"}}, {"allow_rollup_hdrs", true}});
  Publish("kv.a", "a1");
  Publish("kv.b", "b1");
  Publish("kv.a", "a2");
  // "sub" (any case, as nats-server lowercases it) keeps only this message of kv.a.
  EXPECT_EQ(Publish("kv.a", "a3", "NATS/1.0\r\nNats-Rollup: SUB\r\n\r\n")["seq"], 4);
  Json state = State("KV");
  EXPECT_EQ(state["messages"], 2);  // kv.b's b1 and kv.a's a3
  EXPECT_EQ(Api("STREAM.MSG.GET.KV", {{"seq", 1}})["error"]["err_code"], 10037);
  EXPECT_EQ(Api("STREAM.MSG.GET.KV", {{"seq", 2}})["message"]["subject"], "kv.b");
  // "all" purges every other message; the rollup message itself is stored.
  EXPECT_EQ(Publish("kv.c", "c1", "NATS/1.0\r\nNats-Rollup: all\r\n\r\n")["seq"], 5);
  state = State("KV");
  EXPECT_EQ(state["messages"], 1);
  EXPECT_EQ(state["first_seq"], 5);
}

TEST_F(JetStreamTest, RollupRefusedWithoutPermissionOrBadValue) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s"}}});
  Publish("s", "keep");
  EXPECT_EQ(Publish("s", "x", "NATS/1.0\r\nNats-Rollup: sub\r\n\r\n"),
            Json::parse(R"({"error":{"code":500,"err_code":10111,)"
                        R"("description":"rollup not permitted"}})"));
  Api("STREAM.CREATE.R", {{"name", "R"}, {"subjects", {"r"}}, {"allow_rollup_hdrs", true}});
  Json bad = Publish("r", "x", "NATS/1.0\r\nNats-Rollup: some\r\n\r\n");
  EXPECT_EQ(bad["error"]["err_code"], 10111);
  EXPECT_EQ(bad["error"]["description"], "rollup value invalid: \"some\"");
  EXPECT_EQ(State("S")["messages"], 1);
  EXPECT_EQ(State("R")["messages"], 0);
  // deny_purge forbids rollups: refused at create, as nats-server's checkStreamCfg.
  Json denied =
      Api("STREAM.CREATE.D",
          {{"name", "D"}, {"subjects", {"d"}}, {"allow_rollup_hdrs", true}, {"deny_purge", true}});
  EXPECT_EQ(denied["error"]["err_code"], 10052);
  EXPECT_EQ(denied["error"]["description"], "roll-ups require the purge permission");
}

TEST_F(JetStreamTest, DirectGet) {
  Api("STREAM.CREATE.D", {{"name", "D"}, {"subjects", {"d.>"}}, {"allow_direct", true}});
  Api("STREAM.CREATE.N", {{"name", "N"}, {"subjects", {"n"}}});
  Publish("d.a", "one");
  Publish("d.b", "two", "NATS/1.0\r\nFoo: bar\r\n\r\n");
  Publish("d.a", "three");
  Publish("n", "x");
  auto get = [&](const std::string& subject, const std::string& payload) {
    Outbox out;
    js_->HandleApi("$JS.API.DIRECT.GET." + subject, "inbox", payload, &out);
    EXPECT_THAT(out, SizeIs(1));
    return out.empty() ? Outgoing{} : out[0];
  };
  Outgoing by_seq = get("D", R"({"seq":2})");
  EXPECT_EQ(by_seq.subject, "inbox");
  EXPECT_EQ(by_seq.payload, "two");
  EXPECT_TRUE(by_seq.headers.starts_with(
      "NATS/1.0\r\nFoo: bar\r\nNats-Stream: D\r\nNats-Subject: d.b\r\nNats-Sequence: 2\r\n"
      "Nats-Time-Stamp: "))
      << by_seq.headers;
  EXPECT_TRUE(by_seq.headers.ends_with("Z\r\n\r\n"));
  Outgoing last = get("D.d.a", "");
  EXPECT_EQ(last.payload, "three");
  EXPECT_TRUE(
      last.headers.starts_with("NATS/1.0\r\nNats-Stream: D\r\nNats-Subject: d.a\r\n"
                               "Nats-Sequence: 3\r\n"));
  EXPECT_EQ(get("D", R"({"last_by_subj":"d.b"})").payload, "two");
  EXPECT_EQ(get("D", R"({"next_by_subj":"d.a","seq":2})").payload, "three");
  EXPECT_EQ(get("D", R"({"seq":9})").headers, "NATS/1.0 404 Message Not Found\r\n\r\n");
  EXPECT_EQ(get("D", "").headers, "NATS/1.0 408 Empty Request\r\n\r\n");
  EXPECT_EQ(get("D", "{}").headers, "NATS/1.0 408 Empty Request\r\n\r\n");
  EXPECT_EQ(get("D", "xx").headers, "NATS/1.0 408 Malformed Request\r\n\r\n");
  EXPECT_EQ(get("D", R"({"seq":1,"last_by_subj":"d.a"})").headers,
            "NATS/1.0 408 Bad Request\r\n\r\n");
  EXPECT_EQ(get("D.d.a", R"({"seq":1})").headers, "NATS/1.0 408 Bad Request\r\n\r\n");
  // Without allow_direct (or without the stream) nothing answers: the no-responders status.
  EXPECT_EQ(get("N", R"({"seq":1})").headers, "NATS/1.0 503\r\n\r\n");
  EXPECT_EQ(get("NOPE", R"({"seq":1})").headers, "NATS/1.0 503\r\n\r\n");
}

TEST_F(JetStreamTest, IdleHeartbeatsWhileNothingToDeliver) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s"}}});
  Publish("s", "m1");
  Json info =
      Api("CONSUMER.CREATE.S",
          {{"stream_name", "S"},
           {"config",
            {{"deliver_subject", "hb"}, {"ack_policy", "none"}, {"idle_heartbeat", kSecondNs}}}});
  ASSERT_FALSE(info.contains("error")) << info.dump();
  EXPECT_THAT(Tick(999), SizeIs(0));  // m1 went at creation; not idle for 1 s yet
  ExpectHeartbeat(Tick(1), "hb", 1, 1);
  EXPECT_THAT(Tick(500), SizeIs(0));
  Publish("s", "m2");  // a delivery restarts the idle period
  EXPECT_THAT(Tick(999), SizeIs(0));
  ExpectHeartbeat(Tick(1), "hb", 2, 2);
  gone_.insert("hb");  // no subscriber: no heartbeat
  EXPECT_THAT(Tick(1000), SizeIs(0));
}

TEST_F(JetStreamTest, FlowControlPausesUntilAnswered) {
  clock_.AdvanceMs(1);
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s"}}});
  const std::string big(400 << 10, 'x');  // 400 KiB: the 2 MiB window pauses after 6
  for (int i = 0; i < 10; ++i) Publish("s", big);
  Outbox out;
  js_->HandleApi("$JS.API.CONSUMER.CREATE.S", "reply",
                 Json({{"stream_name", "S"},
                       {"config",
                        {{"name", "fc"},
                         {"deliver_subject", "fcd"},
                         {"ack_policy", "none"},
                         {"flow_control", true},
                         {"idle_heartbeat", kSecondNs}}}})
                     .dump(),
                 &out);
  std::vector<std::string> kinds;
  std::string fc_reply;
  for (const Outgoing& o : out) {
    if (o.subject == "reply") continue;
    if (o.headers == "NATS/1.0 100 FlowControl Request\r\n\r\n") {
      kinds.push_back("FC");
      fc_reply = o.reply;
    } else {
      kinds.push_back("msg");
    }
  }
  // Half the window (> 1 MiB) asks for an answer; past the window (> 2 MiB) delivery stops.
  EXPECT_EQ(kinds, std::vector<std::string>({"msg", "msg", "msg", "FC", "msg", "msg", "msg"}));
  EXPECT_TRUE(fc_reply.starts_with("$JS.FC.S.fc.")) << fc_reply;
  // Stalled: the heartbeat names the unanswered request.
  Outbox hb = Tick(1000);
  ASSERT_THAT(hb, SizeIs(1));
  EXPECT_EQ(hb[0].headers,
            "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 6\r\n"
            "Nats-Last-Stream: 6\r\nNats-Consumer-Stalled: " +
                fc_reply + "\r\n\r\n");
  Outbox ignored;
  js_->HandleFlowControl("$JS.FC.S.fc.zzzz", &ignored);  // not the outstanding request
  EXPECT_THAT(ignored, SizeIs(0));
  Outbox resumed;
  js_->HandleFlowControl(fc_reply, &resumed);
  int msgs = 0;
  for (const Outgoing& o : resumed) msgs += o.route == "fcd" ? 1 : 0;
  EXPECT_EQ(msgs, 4);  // the rest of the stream
}

TEST_F(JetStreamTest, HeartbeatAndFlowControlValidation) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s"}}});
  auto create = [&](const Json& config) { return ConsumerCreateError("S", config); };
  EXPECT_EQ(create({{"deliver_subject", "x"}, {"flow_control", true}})["err_code"], 10108);
  EXPECT_EQ(create({{"deliver_subject", "x"}, {"idle_heartbeat", 50'000'000}})["description"],
            "consumer idle heartbeat needs to be >= 100ms");
  EXPECT_EQ(create({{"idle_heartbeat", kSecondNs}})["err_code"], 10088);
  EXPECT_EQ(create({{"flow_control", true}, {"idle_heartbeat", kSecondNs}})["err_code"], 10088);
  EXPECT_EQ(create({{"flow_control", true}})["err_code"], 10089);
  // What nats.c's ordered consumer recreates itself with on a gap.
  EXPECT_TRUE(create({{"deliver_subject", "x"},
                      {"deliver_policy", "by_start_sequence"},
                      {"opt_start_seq", 5},
                      {"ack_policy", "none"},
                      {"max_deliver", 1},
                      {"ack_wait", 22 * 3600 * kSecondNs},
                      {"flow_control", true},
                      {"idle_heartbeat", 5 * kSecondNs},
                      {"mem_storage", true},
                      {"num_replicas", 1}})
                  .is_null());
}

TEST_F(JetStreamTest, UnsupportedStreamFeaturesAreRefused) {
  auto create = [&](Json config) {
    config["name"] = "X";
    return Api("STREAM.CREATE.X", config)["error"];
  };
  EXPECT_EQ(create({{"mirror", {{"name", "O"}}}}),
            Json::parse(R"({"code":500,"err_code":10052,)"
                        R"("description":"stream configuration for mirror not supported"})"));
  EXPECT_EQ(create({{"sources", {{{"name", "O"}}}}})["description"],
            "stream configuration for sources not supported");
  EXPECT_EQ(create({{"republish", {{"src", ">"}, {"dest", "rp.>"}}}})["description"],
            "stream configuration for republish not supported");
  EXPECT_EQ(create({{"placement", {{"cluster", "c1"}}}})["description"],
            "stream placement not supported in non-clustered mode");
  EXPECT_EQ(create({{"sealed", true}})["description"],
            "stream configuration for create can not be sealed");
  EXPECT_TRUE(create({{"sources", Json::array()}, {"placement", {{"cluster", ""}}}}).is_null());
  EXPECT_EQ(Api("STREAM.NAMES")["streams"], Json({"X"}));
}

TEST_F(JetStreamTest, ConsumerRateLimitAndSamplingAreRefused) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s"}}});
  auto create = [&](const Json& config) { return ConsumerCreateError("S", config); };
  EXPECT_EQ(create({{"rate_limit_bps", 1000}})["err_code"], 10086);
  EXPECT_EQ(create({{"deliver_subject", "x"}, {"rate_limit_bps", 1000}})["description"],
            "consumer rate limit (rate_limit_bps) not supported");
  EXPECT_EQ(create({{"deliver_subject", "x"}, {"sample_freq", "100%"}})["description"],
            "consumer ack sampling (sample_freq) not supported");
  EXPECT_TRUE(create({{"deliver_subject", "x"}, {"rate_limit_bps", 0}}).is_null());
}

TEST_F(JetStreamTest, PullRequestMaxBytesCeiling) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s"}}});
  CreatePull("S", "d", {{"max_bytes", 1024}});
  EXPECT_EQ(ConsumerInfo("S", "d")["config"]["max_bytes"], 1024);
  Outbox out = Pull("S", "d", {{"batch", 1}, {"max_bytes", 2048}});
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].headers, "NATS/1.0 409 Exceeded MaxRequestMaxBytes of 1024\r\n\r\n");
  Publish("s", "m");
  out = Pull("S", "d", {{"batch", 1}, {"max_bytes", 512}});
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].payload, "m");
}

TEST_F(JetStreamTest, PullRequestIdleHeartbeats) {
  Api("STREAM.CREATE.S", {{"name", "S"}, {"subjects", {"s"}}});
  CreatePull("S", "d");
  Outbox bad = Pull("S", "d", {{"expires", kSecondNs}, {"idle_heartbeat", kSecondNs}});
  ASSERT_THAT(bad, SizeIs(1));
  EXPECT_EQ(bad[0].headers, "NATS/1.0 400 Bad Request - heartbeat value too large\r\n\r\n");
  EXPECT_THAT(Pull("S", "d", {{"expires", 3 * kSecondNs}, {"idle_heartbeat", kSecondNs}}),
              SizeIs(0));
  EXPECT_THAT(Tick(999), SizeIs(0));
  ExpectHeartbeat(Tick(1), "inbox", 0, 0);
  EXPECT_THAT(Tick(1000), SizeIs(1));
  Outbox expired = Tick(1000);  // past expires: the timeout, no more heartbeats
  ASSERT_THAT(expired, SizeIs(1));
  EXPECT_EQ(expired[0].headers, "NATS/1.0 408 Request Timeout\r\n\r\n");
  EXPECT_THAT(Tick(1000), SizeIs(0));
}

}  // namespace
}  // namespace aio::mq::jetstream
