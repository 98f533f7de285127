// Conformance: watch streams (selection, event contents, history replay, compaction, IDs,
// cancel, progress, batching, slow readers, readiness callback).
#include <algorithm>
#include <atomic>
#include <set>

#include "store/conformance/kv_store_conformance.h"

namespace aio::store::conformance {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

Event PutEvent(KeyValue kv, std::optional<KeyValue> prev = std::nullopt) {
  return Event{Event::Type::kPut, std::move(kv), std::move(prev)};
}

Event DeleteEvent(const std::string& key, int64_t revision,
                  std::optional<KeyValue> prev = std::nullopt) {
  return Event{Event::Type::kDelete, KeyValue{.key = key, .mod_revision = revision},
               std::move(prev)};
}

std::vector<int64_t> RevisionsOf(const std::vector<Event>& events) {
  std::vector<int64_t> revisions;
  for (const Event& event : events) revisions.push_back(event.kv.mod_revision);
  return revisions;
}

std::vector<int64_t> Sequence(int64_t first, int64_t last) {
  std::vector<int64_t> revisions;
  for (int64_t r = first; r <= last; ++r) revisions.push_back(r);
  return revisions;
}

int64_t MustWatch(WatchStream& stream, WatchRequest request) {
  absl::StatusOr<int64_t> id = stream.Watch(request);
  EXPECT_THAT(id, IsOk()) << "Watch(" << request.key << ")";
  return id.ok() ? *id : -12345;
}

WatchRequest WatchPrefix(const std::string& prefix, int64_t start_revision = 0) {
  return WatchRequest{
      .key = prefix, .range_end = PrefixEnd(prefix), .start_revision = start_revision};
}

TEST_P(WatchConformance, WatchAnswersCreatedBeforeAnyEvent) {
  MustPut("k", "old");  // 2
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t live = MustWatch(*stream, WatchRequest{.key = "k"});
  const int64_t replay = MustWatch(*stream, WatchRequest{.key = "k", .start_revision = 2});
  MustPut("k", "new");  // 3
  std::vector<WatchResponse> responses = Collect(*stream, 3);
  for (int64_t id : {live, replay}) {
    SCOPED_TRACE("watch " + std::to_string(id));
    auto first = std::find_if(responses.begin(), responses.end(),
                              [id](const WatchResponse& r) { return r.watch_id == id; });
    ASSERT_NE(first, responses.end());
    EXPECT_TRUE(first->created) << "the first response of a watcher is its created answer";
    EXPECT_THAT(first->events, IsEmpty());
    EXPECT_FALSE(first->canceled);
    EXPECT_EQ(first->revision, 2) << "the store's revision when the watcher was created";
  }
  EXPECT_THAT(RevisionsOf(EventsOf(responses, live)), ElementsAre(3));
  EXPECT_THAT(RevisionsOf(EventsOf(responses, replay)), ElementsAre(2, 3));
}

TEST_P(WatchConformance, EmptyKeyIsRejected) {
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  EXPECT_THAT(stream->Watch(WatchRequest{.key = ""}), HasStatus(ErrEmptyKey()));
  EXPECT_THAT(Quiesce(*stream), IsEmpty()) << "no watcher, no created answer";
}

TEST_P(WatchConformance, KeyRangeAndPrefixSelection) {
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t key = MustWatch(*stream, WatchRequest{.key = "a"});
  const int64_t range = MustWatch(*stream, WatchRequest{.key = "b", .range_end = "d"});
  const int64_t prefix = MustWatch(*stream, WatchPrefix("p/"));
  for (const char* k : {"a", "ab", "b", "c", "d", "p/1", "p0"}) MustPut(k, "v");  // 2..8
  std::vector<WatchResponse> responses = Collect(*stream, 4);
  EXPECT_THAT(EventsOf(responses, key), ElementsAre(PutEvent({"a", "v", 2, 2, 1, 0})));
  EXPECT_THAT(EventsOf(responses, range),
              ElementsAre(PutEvent({"b", "v", 4, 4, 1, 0}), PutEvent({"c", "v", 5, 5, 1, 0})));
  EXPECT_THAT(EventsOf(responses, prefix), ElementsAre(PutEvent({"p/1", "v", 7, 7, 1, 0})));
  EXPECT_THAT(Quiesce(*stream), IsEmpty()) << "nothing else matches";
}

TEST_P(WatchConformance, EventsInRevisionOrderWithTheirKeyValues) {
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t id = MustWatch(*stream, WatchPrefix("k"));
  MustPut("k1", "v1");  // 2
  MustPut("k1", "v2");  // 3
  MustDelete("k1");     // 4
  MustPut("k2", "x");   // 5
  MustPut("k1", "v3");  // 6
  std::vector<WatchResponse> responses = Collect(*stream, 5);
  EXPECT_THAT(EventsOf(responses, id),
              ElementsAre(PutEvent({"k1", "v1", 2, 2, 1, 0}), PutEvent({"k1", "v2", 2, 3, 2, 0}),
                          DeleteEvent("k1", 4), PutEvent({"k2", "x", 5, 5, 1, 0}),
                          PutEvent({"k1", "v3", 6, 6, 1, 0})));
  for (const WatchResponse& response : responses) {
    EXPECT_FALSE(response.canceled);
    if (!response.events.empty()) {
      EXPECT_GE(response.revision, response.events.back().kv.mod_revision)
          << "the header revision is at least the last event's";
    }
  }
}

TEST_P(WatchConformance, PrevKv) {
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  WatchRequest request = WatchPrefix("k");
  request.prev_kv = true;
  const int64_t with_prev = MustWatch(*stream, request);
  const int64_t without = MustWatch(*stream, WatchPrefix("k"));
  MustPut("k", "v1");  // 2
  MustPut("k", "v2");  // 3
  MustDelete("k");     // 4
  std::vector<WatchResponse> responses = Collect(*stream, 6);
  const KeyValue v1{"k", "v1", 2, 2, 1, 0};
  const KeyValue v2{"k", "v2", 2, 3, 2, 0};
  EXPECT_THAT(EventsOf(responses, with_prev),
              ElementsAre(PutEvent(v1), PutEvent(v2, v1), DeleteEvent("k", 4, v2)));
  EXPECT_THAT(EventsOf(responses, without),
              ElementsAre(PutEvent(v1), PutEvent(v2), DeleteEvent("k", 4)));
}

TEST_P(WatchConformance, NoPutAndNoDeleteFilters) {
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  WatchRequest no_put{.key = "k", .filter_put = true};
  WatchRequest no_delete{.key = "k", .filter_delete = true};
  const int64_t deletes_only = MustWatch(*stream, no_put);
  const int64_t puts_only = MustWatch(*stream, no_delete);
  MustPut("k", "v1");  // 2
  MustPut("k", "v2");  // 3
  MustDelete("k");     // 4
  std::vector<WatchResponse> responses = Collect(*stream, 3);
  EXPECT_THAT(EventsOf(responses, deletes_only), ElementsAre(DeleteEvent("k", 4)));
  EXPECT_THAT(EventsOf(responses, puts_only),
              ElementsAre(PutEvent({"k", "v1", 2, 2, 1, 0}), PutEvent({"k", "v2", 2, 3, 2, 0})));
  EXPECT_THAT(Quiesce(*stream), IsEmpty());
}

TEST_P(WatchConformance, WatchFromNowSkipsThePast) {
  MustPut("k", "old");  // 2
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t id = MustWatch(*stream, WatchRequest{.key = "k"});
  MustPut("k", "new");  // 3
  EXPECT_THAT(EventsOf(Collect(*stream, 1), id), ElementsAre(PutEvent({"k", "new", 2, 3, 2, 0})));
  EXPECT_THAT(Quiesce(*stream), IsEmpty());
}

TEST_P(WatchConformance, StartRevisionReplaysHistoryThenLive) {
  for (int i = 0; i < 5; ++i) MustPut("h/" + std::to_string(i), "v");  // 2..6
  MustPut("other", "v");                                               // 7
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t from3 = MustWatch(*stream, WatchPrefix("h/", 3));
  const int64_t from1 = MustWatch(*stream, WatchPrefix("h/", 1));
  // Live writes race the catch-up: still no gap and no duplicate.
  for (int i = 5; i < 8; ++i) MustPut("h/" + std::to_string(i), "v");  // 8..10
  std::vector<WatchResponse> responses = Collect(*stream, 6 + 8);
  std::vector<int64_t> expected_from3 = {3, 4, 5, 6, 8, 9, 10};
  std::vector<int64_t> expected_from1 = {2, 3, 4, 5, 6, 8, 9, 10};
  EXPECT_EQ(RevisionsOf(EventsOf(responses, from3)), expected_from3);
  EXPECT_EQ(RevisionsOf(EventsOf(responses, from1)), expected_from1);
  std::vector<Event> events = EventsOf(responses, from3);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front(), PutEvent({"h/1", "v", 3, 3, 1, 0}));
  EXPECT_THAT(Quiesce(*stream), IsEmpty());
}

TEST_P(WatchConformance, ReplayedHistoryHasPrevKvAndHonoursFilters) {
  MustPut("k", "v1");  // 2
  MustPut("k", "v2");  // 3
  MustDelete("k");     // 4
  MustPut("k", "v3");  // 5
  const KeyValue v1{"k", "v1", 2, 2, 1, 0};
  const KeyValue v2{"k", "v2", 2, 3, 2, 0};
  const KeyValue v3{"k", "v3", 5, 5, 1, 0};
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t with_prev =
      MustWatch(*stream, WatchRequest{.key = "k", .start_revision = 2, .prev_kv = true});
  const int64_t no_put =
      MustWatch(*stream, WatchRequest{.key = "k", .start_revision = 2, .filter_put = true});
  const int64_t no_delete =
      MustWatch(*stream, WatchRequest{.key = "k", .start_revision = 3, .filter_delete = true});
  std::vector<WatchResponse> responses = Collect(*stream, 4 + 1 + 2);
  EXPECT_THAT(EventsOf(responses, with_prev),
              ElementsAre(PutEvent(v1), PutEvent(v2, v1), DeleteEvent("k", 4, v2), PutEvent(v3)));
  EXPECT_THAT(EventsOf(responses, no_put), ElementsAre(DeleteEvent("k", 4)));
  EXPECT_THAT(EventsOf(responses, no_delete), ElementsAre(PutEvent(v2), PutEvent(v3)));
  EXPECT_THAT(Quiesce(*stream), IsEmpty());
}

TEST_P(WatchConformance, RangeDeleteGivesOneEventPerKey) {
  for (const char* key : {"r/a", "r/b", "r/c", "s"}) MustPut(key, "v");  // 2..5
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t id = MustWatch(*stream, WatchRequest{.key = "r/", .range_end = "t"});
  MustDelete("r/", PrefixEnd("r/"));  // 6
  EXPECT_THAT(EventsOf(Collect(*stream, 3), id),
              ElementsAre(DeleteEvent("r/a", 6), DeleteEvent("r/b", 6), DeleteEvent("r/c", 6)));
  EXPECT_THAT(Quiesce(*stream), IsEmpty());
}

TEST_P(WatchConformance, FromKeyAndAllKeys) {
  const std::string nul(1, '\0');
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t from_m = MustWatch(*stream, WatchRequest{.key = "m", .range_end = nul});
  const int64_t all = MustWatch(*stream, WatchRequest{.key = nul, .range_end = nul});
  for (const char* key : {"a", "m", "z"}) MustPut(key, "v");  // 2..4
  std::vector<WatchResponse> responses = Collect(*stream, 2 + 3);
  EXPECT_THAT(RevisionsOf(EventsOf(responses, from_m)), ElementsAre(3, 4));
  EXPECT_THAT(RevisionsOf(EventsOf(responses, all)), ElementsAre(2, 3, 4));
}

TEST_P(WatchConformance, ProgressNotifyForIdleWatchers) {
  CONF_REQUIRE_TIME();
  const int64_t interval = harness().ProgressNotifyIntervalMs();
  if (interval <= 0) GTEST_SKIP() << "harness has no reachable progress-notify interval";
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t notified = MustWatch(*stream, WatchRequest{.key = "k", .progress_notify = true});
  MustWatch(*stream, WatchRequest{.key = "k"});  // did not ask for progress notifications
  MustPut("other", "v");                         // 2
  EXPECT_THAT(Quiesce(*stream), SizeIs(2)) << "only the two created answers so far";
  harness().AdvanceTimeMs(interval + 1);
  std::vector<WatchResponse> responses = Quiesce(*stream);
  ASSERT_THAT(responses, SizeIs(1)) << "one progress notification, for the watcher that asked";
  EXPECT_EQ(responses[0].watch_id, notified);
  EXPECT_THAT(responses[0].events, IsEmpty());
  EXPECT_FALSE(responses[0].canceled);
  EXPECT_EQ(responses[0].revision, 2);
}

TEST_P(WatchConformance, FutureStartRevisionWaits) {
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t id = MustWatch(*stream, WatchRequest{.key = "k", .start_revision = 4});
  for (int i = 0; i < 4; ++i) MustPut("k", std::to_string(i));  // 2..5
  EXPECT_EQ(RevisionsOf(EventsOf(Collect(*stream, 2), id)), (std::vector<int64_t>{4, 5}));
  EXPECT_THAT(Quiesce(*stream), IsEmpty());
}

TEST_P(WatchConformance, CompactedStartRevisionCancelsTheWatcher) {
  for (int i = 0; i < 5; ++i) MustPut("k", std::to_string(i));  // 2..6
  CONF_ASSERT_OK(kv().Compact(5, false));
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  CONF_ASSERT_OK_AND_ASSIGN(int64_t id,
                            stream->Watch(WatchRequest{.key = "k", .start_revision = 2}));
  std::optional<WatchResponse> created = NextResponse(*stream);
  ASSERT_TRUE(created.has_value()) << "expected the created answer";
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->watch_id, id);
  std::optional<WatchResponse> response = NextResponse(*stream);
  ASSERT_TRUE(response.has_value()) << "expected a cancellation";
  EXPECT_EQ(response->watch_id, id);
  EXPECT_TRUE(response->canceled);
  EXPECT_EQ(response->compact_revision, 5);
  EXPECT_THAT(response->events, IsEmpty());
  MustPut("k", "after");
  EXPECT_THAT(EventsOf(Quiesce(*stream), id), IsEmpty()) << "a canceled watcher gets nothing";

  // Watching from the compaction revision itself is fine.
  const int64_t at = MustWatch(*stream, WatchRequest{.key = "k", .start_revision = 5});
  EXPECT_EQ(RevisionsOf(EventsOf(Collect(*stream, 3), at)), (std::vector<int64_t>{5, 6, 7}));
}

TEST_P(WatchConformance, CompactedStartRevisionCancelsEvenWithWritesPending) {
  for (int i = 0; i < 5; ++i) MustPut("k", std::to_string(i));  // 2..6
  CONF_ASSERT_OK(kv().Compact(5, false));
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t id = MustWatch(*stream, WatchRequest{.key = "k", .start_revision = 2});
  MustPut("k", "after");  // 7, before the store had a chance to catch the watcher up
  std::vector<WatchResponse> responses = Quiesce(*stream);
  EXPECT_THAT(EventsOf(responses, id), IsEmpty()) << "compacted history must not be replayed";
  auto cancel = std::find_if(responses.begin(), responses.end(),
                             [](const WatchResponse& r) { return r.canceled; });
  ASSERT_NE(cancel, responses.end()) << "expected a cancellation";
  EXPECT_EQ(cancel->watch_id, id);
  EXPECT_EQ(cancel->compact_revision, 5);
}

TEST_P(WatchConformance, ManyWatchersOnOneStream) {
  constexpr int kWatchers = 12;
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  std::vector<int64_t> ids;
  for (int i = 0; i < kWatchers; ++i) {
    ids.push_back(MustWatch(*stream, WatchRequest{.key = "m/" + std::to_string(i)}));
  }
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), ids.size()) << "distinct IDs";
  for (int i = 0; i < kWatchers; ++i) MustPut("m/" + std::to_string(i), "v");  // 2..13
  std::vector<WatchResponse> responses = Collect(*stream, kWatchers);
  for (int i = 0; i < kWatchers; ++i) {
    EXPECT_THAT(EventsOf(responses, ids[i]),
                ElementsAre(PutEvent({"m/" + std::to_string(i), "v", 2 + i, 2 + i, 1, 0})))
        << "watcher " << i;
  }
}

TEST_P(WatchConformance, ChosenAndGivenWatchIds) {
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  CONF_ASSERT_OK_AND_ASSIGN(int64_t given, stream->Watch(WatchRequest{.key = "g", .watch_id = 5}));
  EXPECT_EQ(given, 5);
  std::set<int64_t> ids = {given};
  for (int i = 0; i < 8; ++i) ids.insert(MustWatch(*stream, WatchRequest{.key = "x"}));
  EXPECT_EQ(ids.size(), 9u) << "chosen IDs are distinct and skip the given one";
  EXPECT_THAT(stream->Watch(WatchRequest{.key = "g", .watch_id = 5}),
              HasStatus(ErrWatchIdExists()));
  MustPut("g", "v");
  EXPECT_THAT(EventsOf(Collect(*stream, 1), 5), ElementsAre(PutEvent({"g", "v", 2, 2, 1, 0})));
  // IDs are per stream: another stream may reuse 5.
  std::unique_ptr<WatchStream> other = kv().NewWatchStream([] {});
  CONF_ASSERT_OK_AND_ASSIGN(int64_t reused, other->Watch(WatchRequest{.key = "g", .watch_id = 5}));
  EXPECT_EQ(reused, 5);
}

TEST_P(WatchConformance, CancelStopsEvents) {
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t canceled = MustWatch(*stream, WatchRequest{.key = "k"});
  const int64_t kept = MustWatch(*stream, WatchRequest{.key = "k"});
  CONF_ASSERT_OK(stream->Cancel(canceled));
  MustPut("k", "v");
  std::vector<WatchResponse> responses = Collect(*stream, 1);
  std::vector<WatchResponse> rest = Quiesce(*stream);
  responses.insert(responses.end(), rest.begin(), rest.end());
  EXPECT_THAT(EventsOf(responses, canceled), IsEmpty());
  EXPECT_THAT(EventsOf(responses, kept), SizeIs(1));
  auto cancel = std::find_if(responses.begin(), responses.end(), [&](const WatchResponse& r) {
    return r.watch_id == canceled && r.canceled;
  });
  ASSERT_NE(cancel, responses.end()) << "Cancel() queues a canceled response";
  EXPECT_THAT(cancel->events, IsEmpty());
  EXPECT_EQ(cancel->compact_revision, 0);
  EXPECT_THAT(stream->Cancel(canceled), HasStatus(ErrWatcherNotFound()));
  EXPECT_THAT(stream->Cancel(777), HasStatus(ErrWatcherNotFound()));
}

TEST_P(WatchConformance, RequestProgressReportsTheCurrentRevision) {
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t id = MustWatch(*stream, WatchRequest{.key = "k"});
  MustPut("k", "v");      // 2
  MustPut("other", "v");  // 3
  ASSERT_THAT(EventsOf(Collect(*stream, 1), id), SizeIs(1));
  EXPECT_THAT(Quiesce(*stream), IsEmpty());
  stream->RequestProgress();
  std::optional<WatchResponse> progress = NextResponse(*stream);
  ASSERT_TRUE(progress.has_value()) << "expected a progress notification";
  EXPECT_THAT(progress->events, IsEmpty());
  EXPECT_FALSE(progress->canceled);
  EXPECT_EQ(progress->revision, 3);
  EXPECT_EQ(progress->watch_id, -1) << "etcd 3.4 answers RequestProgress with watch_id -1";
  EXPECT_FALSE(progress->created);
}

TEST_P(WatchConformance, TxnEventsArriveTogether) {
  MustPut("t/c", "old");  // 2
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t id = MustWatch(*stream, WatchPrefix("t/"));
  TxnRequest txn;
  txn.success = {OpPut("t/a", "1"), OpPut("t/b", "2"), OpDelete("t/c")};
  MustTxn(txn);  // 3
  std::vector<WatchResponse> responses = Collect(*stream, 3);
  std::vector<const WatchResponse*> with_events;
  for (const WatchResponse& response : responses) {
    if (!response.events.empty()) with_events.push_back(&response);
  }
  ASSERT_THAT(with_events, SizeIs(1)) << "one revision, one response";
  EXPECT_EQ(with_events[0]->watch_id, id);
  EXPECT_THAT(with_events[0]->events,
              ElementsAre(PutEvent({"t/a", "1", 3, 3, 1, 0}), PutEvent({"t/b", "2", 3, 3, 1, 0}),
                          DeleteEvent("t/c", 3)));
}

TEST_P(WatchConformance, LeaseRevokeEventsShareOneRevision) {
  const int64_t lease = MustGrant(60);
  MustPut("l/a", "1", lease);  // 2
  MustPut("l/b", "1", lease);  // 3
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t id = MustWatch(*stream, WatchPrefix("l/"));
  CONF_ASSERT_OK(kv().LeaseRevoke(lease));  // 4
  EXPECT_THAT(EventsOf(Collect(*stream, 2), id),
              ElementsAre(DeleteEvent("l/a", 4), DeleteEvent("l/b", 4)));
}

TEST_P(WatchConformance, SlowReaderGetsEveryEventOnce) {
  const int64_t writes = harness().WatchQueueLimit() * 4 + 10;
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  const int64_t hot = MustWatch(*stream, WatchRequest{.key = "s/hot"});
  const int64_t all = MustWatch(*stream, WatchPrefix("s/"));
  const int64_t cold_prev =
      MustWatch(*stream, WatchRequest{.key = "s/cold", .prev_kv = true, .filter_delete = true});
  // Nobody reads while the writes go in: the stream's queue overflows.
  for (int64_t i = 0; i < writes; ++i) {
    MustPut(i % 2 == 0 ? "s/hot" : "s/cold", std::to_string(i));  // revisions 2 .. writes+1
  }
  std::vector<WatchResponse> responses = Collect(*stream, writes + writes);
  std::vector<Event> all_events = EventsOf(responses, all);
  std::vector<Event> hot_events = EventsOf(responses, hot);
  EXPECT_EQ(RevisionsOf(all_events), Sequence(2, writes + 1));
  ASSERT_EQ(hot_events.size(), static_cast<size_t>((writes + 1) / 2));
  for (size_t i = 0; i < hot_events.size(); ++i) {
    const int64_t revision = 2 + 2 * static_cast<int64_t>(i);
    ASSERT_EQ(hot_events[i], PutEvent({"s/hot", std::to_string(2 * i), 2, revision,
                                       static_cast<int64_t>(i) + 1, 0}))
        << "hot event " << i;
  }
  std::vector<Event> cold_events = EventsOf(responses, cold_prev);
  ASSERT_EQ(cold_events.size(), static_cast<size_t>(writes / 2));
  for (size_t i = 1; i < cold_events.size(); ++i) {
    ASSERT_EQ(cold_events[i].prev_kv, cold_events[i - 1].kv) << "cold event " << i;
  }
  EXPECT_EQ(cold_events[0].prev_kv, std::nullopt);
  EXPECT_THAT(Quiesce(*stream), IsEmpty()) << "no duplicates after the catch-up";
  // Caught up: live events flow again.
  MustPut("s/hot", "live");
  EXPECT_THAT(RevisionsOf(EventsOf(Collect(*stream, 2), all)), ElementsAre(writes + 2));
}

TEST_P(WatchConformance, OnReadyIsCalledWhenResponsesArrive) {
  auto calls = std::make_shared<std::atomic<int>>(0);
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([calls] { ++*calls; });
  const int64_t id = MustWatch(*stream, WatchRequest{.key = "k"});
  std::optional<WatchResponse> created = NextResponse(*stream);
  ASSERT_TRUE(created.has_value() && created->created);
  ASSERT_EQ(stream->Next(), std::nullopt);
  calls->store(0);
  MustPut("k", "v");
  for (int i = 0; i < 100 && calls->load() == 0; ++i) harness().PumpWatchers();
  EXPECT_GE(calls->load(), 1) << "on_ready after Next() had returned empty";
  EXPECT_THAT(EventsOf(Collect(*stream, 1), id), SizeIs(1));
}

TEST_P(WatchConformance, DestroyingAStreamWithPendingEventsIsSafe) {
  {
    std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
    MustWatch(*stream, WatchPrefix("d/"));
    for (int i = 0; i < 20; ++i) MustPut("d/" + std::to_string(i), "v");
  }
  harness().PumpWatchers();
  MustPut("d/after", "v");
  harness().PumpWatchers();
  EXPECT_EQ(kv().CurrentRevision(), 22);
}

}  // namespace
}  // namespace aio::store::conformance
